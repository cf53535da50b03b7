/**
 * The Unix socket's file: its directory, a stale file from a previous run,
 * and its permissions (0660, like BIRD's control socket: root and the
 * socket's group may talk to the daemon).
 */
import { connect } from 'node:net';
import { chmod, lstat, mkdir, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

export const DEFAULT_API_SOCKET = '/var/run/petrel/petrel.sock';
export const SOCKET_MODE = 0o660;

/** Whether something accepts connections on the socket at `path`. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(1000, () => done(false));
  });
}

/**
 * Make `path` ready to bind: create its directory, remove a socket nobody
 * listens on, and refuse to touch a live socket or a file that is not one.
 */
export async function prepareSocketPath(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  let st;
  try {
    st = await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (!st.isSocket()) throw new Error(`${path} exists and is not a socket; refusing to replace it`);
  if (await answers(path)) throw new Error(`${path} is in use: another petrel is serving the API there`);
  await unlink(path);
}

export async function restrictSocket(path: string): Promise<void> {
  await chmod(path, SOCKET_MODE);
}

export async function removeSocket(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
