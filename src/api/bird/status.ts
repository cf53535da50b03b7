/**
 * `show status` (bird: nest/cmds.c cmd_show_status): version, router ID,
 * times in BIRD's "iso long" format, the graceful-restart recovery lines
 * (code 0024, which calico-node's readiness check looks for) and the final
 * 0013 line.
 */
import type { BirdStatus } from './provider.js';
import { ReplyCode, type ReplyLine } from './reply.js';

const pad2 = (n: number) => String(n).padStart(2, '0');

/** "%F %T" in local time, as BIRD's tf_base prints it. */
export function isoLong(at: number): string {
  const d = new Date(at);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

export function statusReply(s: BirdStatus, now: number): { lines: ReplyLine[]; final: ReplyLine } {
  const lines: ReplyLine[] = [
    { code: ReplyCode.STATUS_VERSION, text: `BIRD ${s.version}` },
    { code: ReplyCode.STATUS_ROUTER_ID, text: `Router ID is ${s.routerId}` },
    { code: ReplyCode.STATUS_ROUTER_ID, text: `Current server time is ${isoLong(now)}` },
    { code: ReplyCode.STATUS_ROUTER_ID, text: `Last reboot on ${isoLong(s.bootedAt)}` },
    { code: ReplyCode.STATUS_ROUTER_ID, text: `Last reconfiguration on ${isoLong(s.reconfiguredAt)}` },
  ];
  const gr = s.gracefulRestart;
  if (gr) {
    lines.push(
      { code: ReplyCode.GR_STATUS, text: 'Graceful restart recovery in progress' },
      { code: ReplyCode.GR_STATUS, text: `  Waiting for ${gr.waitingFor} protocols to recover` },
      { code: ReplyCode.GR_STATUS, text: `  Wait timer is ${gr.remaining}/${gr.total}` },
    );
  }
  const final = { code: ReplyCode.STATUS_DONE, text: s.shuttingDown ? 'Shutdown in progress' : 'Daemon is up and running' };
  return { lines, final };
}
