#!/usr/bin/env bash
# Capture real BGP messages exchanged by BIRD 2, FRR bgpd and GoBGP and store
# them as golden test vectors in test/vectors/captured/*.json.
#
# Runs as root. Everything happens inside private network namespaces
# (pv-sw, pv-bird, pv-frr, pv-gobgp) using 198.18.0.0/15 and 2001:db8::/32;
# nothing is configured in the root namespace. Two phases are run, each with
# fresh namespaces and daemons:
#   ebgp: BIRD AS 4200000001, FRR AS 65002, GoBGP AS 65003, full mesh over
#         IPv4 and IPv6 plus three deliberately mis-configured sessions.
#   ibgp: all in AS 65000, every daemon is a route reflector for another one.
# All three daemons share one L2 segment (a bridge in pv-sw). tshark captures
# on each daemon's interface; extract.py reassembles the TCP streams, splits
# them into BGP messages and writes the JSON files.
#
# Usage: sudo test/vectors/capture/capture.sh [OUTDIR]
#   OUTDIR defaults to test/vectors/captured. Set KEEP_WORK=1 to keep the
#   work directory (/tmp/petrel-bgp-capture) with pcaps and daemon logs.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
OUT="${1:-$REPO/test/vectors/captured}"
WORK=/tmp/petrel-bgp-capture
NSS=(pv-bird pv-frr pv-gobgp pv-sw)
FRR_BGPD=/usr/lib/frr/bgpd
FRR_ZEBRA=/usr/lib/frr/zebra

[ "$(id -u)" = 0 ] || { echo "must run as root" >&2; exit 1; }
for t in bird birdc gobgpd gobgp tshark vtysh python3 ip; do
  command -v "$t" >/dev/null || { echo "missing $t" >&2; exit 1; }
done
for t in "$FRR_BGPD" "$FRR_ZEBRA"; do [ -x "$t" ] || { echo "missing $t" >&2; exit 1; }; done

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

# ------------------------------------------------------------------ cleanup
# Kill every process living in our namespaces (all started by this script),
# then delete the namespaces. Safe to call repeatedly.
cleanup_ns() {
  local ns pid
  for ns in "${NSS[@]}"; do
    ip netns list 2>/dev/null | grep -qw "^$ns" || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null || true; done
  done
  sleep 0.5
  for ns in "${NSS[@]}"; do
    ip netns list 2>/dev/null | grep -qw "^$ns" || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
}
on_exit() {
  local rc=$?
  cleanup_ns
  if [ "${KEEP_WORK:-0}" != 1 ]; then rm -rf "$WORK"; fi
  exit $rc
}
trap on_exit EXIT
trap 'exit 130' INT TERM

cleanup_ns          # leftovers from an interrupted earlier run
rm -rf "$WORK"
mkdir -p "$WORK"

# ------------------------------------------------------------------ topology
# Addresses: BIRD .1/::1 (+ .11), FRR .2/::2 (+ .12), GoBGP .3/::3 (+ .13).
# Fixed MACs give fixed link-local addresses fe80::ff:fe00:N.
setup_ns() {
  ip netns add pv-sw
  ip -n pv-sw link add br0 type bridge
  ip -n pv-sw link set br0 up
  local i=1 name ns
  for name in bird frr gobgp; do
    ns=pv-$name
    ip netns add "$ns"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
    ip -n pv-sw link add "p-$name" type veth peer name eth0 netns "$ns"
    ip -n pv-sw link set "p-$name" master br0 up
    ip -n "$ns" link set lo up
    ip -n "$ns" link set eth0 address "02:00:00:00:00:0$i"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.eth0.accept_dad=0
    ip -n "$ns" addr add "198.18.0.$i/24" dev eth0
    ip -n "$ns" addr add "198.18.0.1$i/24" dev eth0
    ip -n "$ns" addr add "2001:db8::$i/64" dev eth0 nodad
    ip -n "$ns" link set eth0 up
    i=$((i + 1))
  done
  # wait for link-local addresses
  for name in bird frr gobgp; do
    for _ in $(seq 50); do
      ip -n "pv-$name" -6 addr show dev eth0 scope link | grep -q 'fe80' && break
      sleep 0.1
    done
  done
}

start_captures() {
  local dir=$1 name
  for name in bird frr gobgp; do
    ip netns exec "pv-$name" tshark -q -i eth0 -f 'tcp port 179' -F pcap -w "$dir/$name.pcap" \
      >"$dir/tshark-$name.log" 2>&1 &
    echo $! >"$dir/tshark-$name.pid"
  done
  for name in bird frr gobgp; do
    for _ in $(seq 100); do
      grep -q 'Capturing on' "$dir/tshark-$name.log" 2>/dev/null && break
      sleep 0.1
    done
  done
  sleep 1
}

stop_captures() {
  local dir=$1 name pid
  sleep 1
  for name in bird frr gobgp; do
    pid=$(cat "$dir/tshark-$name.pid")
    kill -INT "$pid" 2>/dev/null || true
  done
  for name in bird frr gobgp; do
    pid=$(cat "$dir/tshark-$name.pid")
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
}

# ------------------------------------------------------------------ daemons
start_bird() {
  local dir=$1
  shift
  ip netns exec pv-bird bird -f -c "$dir/bird.conf" -s "$dir/bird.ctl" "$@" >>"$dir/bird.out" 2>&1 &
  echo $! >"$dir/bird.pid"
}
# FRR: zebra (only inside pv-frr) gives bgpd the interface list it needs to
# accept and send link-local IPv6 next hops. zebra always drops privileges to
# the frr user, so its files live in a directory owned by frr.
start_frr() {
  local dir=$1 fd="$1/frr"
  mkdir -p "$fd"
  printf 'hostname frr-petrel\nlog file %s/zebra.log\n' "$fd" >"$fd/zebra.conf"
  chown -R frr:frr "$fd"
  ip netns exec pv-frr "$FRR_ZEBRA" -f "$fd/zebra.conf" -i "$fd/zebra.pid" \
    --vty_socket "$fd" -z "$fd/zserv.api" -P 0 >"$dir/zebra.out" 2>&1 &
  echo $! >"$dir/zebra.pid"
  for _ in $(seq 50); do [ -S "$fd/zserv.api" ] && break; sleep 0.1; done
  ip netns exec pv-frr "$FRR_BGPD" --skip_runas -f "$dir/frr.conf" -i "$dir/frr.pid" \
    --vty_socket "$fd" -z "$fd/zserv.api" -P 0 >"$dir/frr.out" 2>&1 &
}
start_gobgp() {
  local dir=$1
  # own UTS namespace so that the FQDN capability carries a fixed host name
  ip netns exec pv-gobgp unshare --uts sh -c 'hostname gobgp-petrel && exec "$@"' sh \
    gobgpd -f "$dir/gobgp.toml" -t toml --api-hosts 127.0.0.1:50051 --log-level info >"$dir/gobgp.log" 2>&1 &
  echo $! >"$dir/gobgp.pid"
  for _ in $(seq 50); do
    ip netns exec pv-gobgp gobgp -u 127.0.0.1 -p 50051 global >/dev/null 2>&1 && return
    sleep 0.2
  done
  log "gobgp API did not come up"
}
birdc_() { ip netns exec pv-bird birdc -s "$PHASE_DIR/bird.ctl" "$@" || { log "WARNING: birdc $* failed"; return 0; }; }
vty() {
  local args=() c
  for c in "$@"; do args+=(-c "$c"); done
  ip netns exec pv-frr vtysh --vty_socket "$PHASE_DIR/frr" "${args[@]}" ||
    { log "WARNING: vtysh $* failed"; return 0; }
}
frrconf() { vty 'configure terminal' "$@"; }
gob() { ip netns exec pv-gobgp gobgp -u 127.0.0.1 -p 50051 "$@" || { log "WARNING: gobgp $* failed"; return 0; }; }

# Wait until N BIRD BGP protocols are Established and gobgp has M established peers.
wait_established() {
  local nbird=$1 ngob=$2 b g
  for _ in $(seq 120); do
    b=$(birdc_ show protocols 2>/dev/null | grep -c 'Established' || true)
    g=$(gob neighbor 2>/dev/null | grep -c 'Establ' || true)
    if [ "$b" -ge "$nbird" ] && [ "$g" -ge "$ngob" ]; then
      log "established: bird $b/$nbird gobgp $g/$ngob"
      return 0
    fi
    sleep 0.5
  done
  log "WARNING: not all sessions established (bird $b/$nbird gobgp $g/$ngob)"
  birdc_ show protocols >&2
  gob neighbor >&2 || true
  vty 'show bgp summary' >&2 || true
}

# SIGTERM (daemons send their final NOTIFICATIONs); cleanup_ns kills anything
# still running in the namespaces afterwards.
stop_daemons() {
  local dir=$1 pid f
  for f in bird.pid frr.pid zebra.pid gobgp.pid; do
    [ -f "$dir/$f" ] || continue
    pid=$(cat "$dir/$f")
    kill -TERM "$pid" 2>/dev/null || true
  done
  for f in bird.pid frr.pid zebra.pid gobgp.pid; do
    [ -f "$dir/$f" ] || continue
    pid=$(cat "$dir/$f")
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
}

# ------------------------------------------------------------------ phase: ebgp
write_ebgp_configs() {
  local d=$1
  cat >"$d/bird.conf" <<EOF
log "$d/bird.log" all;
router id 198.18.0.1;
protocol device { scan time 5; }

protocol static s4 {
  ipv4;
  route 198.19.0.0/24 blackhole;
  route 198.19.1.0/24 blackhole;
  route 198.19.11.0/24 blackhole;
  route 198.19.12.0/24 blackhole;
  route 198.19.13.0/24 blackhole;
  route 198.19.65.0/24 blackhole;
}
protocol static s6 {
  ipv6;
  route 2001:db8:100::/48 blackhole;
  route 2001:db8:1:1::/64 blackhole;
  route 2001:db8:1:11::/64 blackhole;
  route 2001:db8:1:12::/64 blackhole;
  route 2001:db8:1:13::/64 blackhole;
}
protocol static sdyn4 { disabled; ipv4; route 198.19.21.0/24 blackhole; route 198.19.22.0/24 blackhole; }
# 1100 /28s sharing one attribute set (> 4096 bytes of NLRI): BIRD flushes
# them in several UPDATEs, FRR reflects them back in one extended (RFC 8654)
# UPDATE, GoBGP (no extended messages) in 4096-byte ones
protocol static sbulk {
  ipv4;
$(for i in $(seq 0 1099); do printf '  route 198.19.%d.%d/28 blackhole;\n' $((128 + i / 16)) $(((i % 16) * 16)); done)
}
protocol static sdyn6 { disabled; ipv6; route 2001:db8:1:21::/64 blackhole; route 2001:db8:1:22::/64 blackhole; }

filter out4 {
  if net = 198.19.1.0/24 then {
    bgp_origin = ORIGIN_INCOMPLETE;
    bgp_med = 50;
    bgp_path.prepend(4200000001);
    bgp_path.prepend(4200000001);
    bgp_community.add((65001,100));
    bgp_community.add((65535,65281));
    bgp_ext_community.add((rt, 4200000001, 100));
    bgp_ext_community.add((ro, 65001, 7));
    bgp_large_community.add((4200000001, 1, 2));
  }
  if net ~ [ 198.19.128.0/17{28,28} ] then bgp_community.add((65001,128));
  if net ~ [ 198.19.11.0/24, 198.19.12.0/24, 198.19.13.0/24, 198.19.21.0/24, 198.19.22.0/24 ] then {
    bgp_community.add((65001,11));
    bgp_large_community.add((4200000001, 11, 0));
    bgp_large_community.add((4200000001, 11, 1));
  }
  accept;
}
filter out6 {
  if net = 2001:db8:1:1::/64 then {
    bgp_med = 60;
    bgp_community.add((65001,600));
    bgp_large_community.add((4200000001, 6, 6));
    bgp_ext_community.add((rt, 65001, 6));
  }
  if net ~ [ 2001:db8:1:11::/64, 2001:db8:1:12::/64, 2001:db8:1:13::/64 ] then
    bgp_large_community.add((4200000001, 6, 11));
  accept;
}

template bgp common {
  local as 4200000001;
  hold time 90;
  graceful restart time 3;
  connect delay time 1;
  connect retry time 10;
  error wait time 5, 30;
  graceful restart yes;
  long lived graceful restart yes;
  enable extended messages yes;
  enable route refresh yes;
}
protocol bgp frr4 from common {
  local 198.18.0.1; neighbor 198.18.0.2 as 65002;
  local role customer;
  ipv4 { import all; export filter out4; add paths on; };
}
protocol bgp frr6 from common {
  local 2001:db8::1; neighbor 2001:db8::2 as 65002;
  ipv6 { import all; export filter out6; add paths tx; };
  ipv4 { import all; export none; };
}
protocol bgp g4 from common {
  local 198.18.0.1; neighbor 198.18.0.3 as 65003;
  local role peer;
  ipv4 { import all; export filter out4; add paths on; };
}
protocol bgp g6 from common {
  local 2001:db8::1; neighbor 2001:db8::3 as 65003;
  graceful restart no;
  long lived graceful restart no;
  ipv6 { import all; export filter out6; };
  ipv4 { import all; export none; };
}
# wrong peer AS on purpose (FRR is 65002): BIRD answers with OPEN error / bad peer AS
protocol bgp badas from common {
  local 198.18.0.11; neighbor 198.18.0.12 as 65099;
  ipv4 { import all; export filter out4; };
}
# correct side of GoBGP's mis-configured session
protocol bgp gbad from common {
  local 198.18.0.11; neighbor 198.18.0.13 as 65003;
  ipv4 { import all; export filter out4; };
}
EOF

  cat >"$d/frr.conf" <<EOF
frr defaults traditional
hostname frr-petrel
log file $d/frr.log
debug bgp neighbor-events
!
ip prefix-list P-2 seq 5 permit 198.19.2.0/24
!
route-map RM-A permit 10
 set origin incomplete
 set metric 20
 set community 65002:200 65002:201
 set extcommunity rt 65002:1 4200000002:7
 set large-community 65002:3:4 4200000002:0:1
 set as-path prepend 65002 65002
!
route-map RM-B permit 10
 set community 65002:300
 set large-community 65002:30:0
!
route-map OUT4 permit 10
 match ip address prefix-list P-2
 set community no-export additive
route-map OUT4 permit 20
!
route-map DENY deny 10
!
router bgp 65002
 bgp router-id 198.18.0.2
 no bgp ebgp-requires-policy
 no bgp network import-check
 no bgp default ipv4-unicast
 bgp graceful-restart
 bgp long-lived-graceful-restart stale-time 3600
 neighbor 198.18.0.1 remote-as 4200000001
 neighbor 198.18.0.1 local-role provider
 neighbor 198.18.0.1 timers connect 5
 neighbor 2001:db8::1 remote-as 4200000001
 neighbor 2001:db8::1 timers connect 5
 neighbor 2001:db8::1 capability extended-nexthop
 neighbor 198.18.0.3 remote-as 65003
 neighbor 198.18.0.3 local-role peer
 neighbor 198.18.0.3 timers connect 5
 neighbor 2001:db8::3 remote-as 65003
 neighbor 2001:db8::3 timers connect 5
 neighbor 198.18.0.11 remote-as 4200000001
 neighbor 198.18.0.11 update-source 198.18.0.12
 neighbor 198.18.0.11 extended-optional-parameters
 neighbor 198.18.0.11 timers connect 10
 neighbor 198.18.0.13 remote-as 65098
 neighbor 198.18.0.13 update-source 198.18.0.12
 neighbor 198.18.0.13 timers connect 10
 !
 address-family ipv4 unicast
  network 198.19.0.0/24
  network 198.19.2.0/24 route-map RM-A
  network 198.19.23.0/24 route-map RM-B
  network 198.19.24.0/24 route-map RM-B
  network 198.19.25.0/24 route-map RM-B
  network 198.19.33.0/24
  aggregate-address 198.19.32.0/22
  aggregate-address 198.19.64.0/18 as-set summary-only
  neighbor 198.18.0.1 activate
  neighbor 198.18.0.1 addpath-tx-all-paths
  neighbor 198.18.0.1 route-map OUT4 out
  neighbor 198.18.0.3 activate
  neighbor 198.18.0.11 activate
  neighbor 198.18.0.13 activate
  neighbor 2001:db8::1 activate
  neighbor 2001:db8::1 route-map DENY out
  neighbor 2001:db8::3 activate
  neighbor 2001:db8::3 route-map DENY out
 exit-address-family
 !
 address-family ipv6 unicast
  network 2001:db8:100::/48
  network 2001:db8:2:1::/64 route-map RM-A
  network 2001:db8:2:2::/64 route-map RM-B
  network 2001:db8:2:3::/64 route-map RM-B
  aggregate-address 2001:db8:2::/48
  neighbor 2001:db8::1 activate
  neighbor 2001:db8::1 addpath-tx-all-paths
  neighbor 2001:db8::3 activate
 exit-address-family
!
EOF

  cat >"$d/gobgp.toml" <<EOF
[global.config]
  as = 65003
  router-id = "198.18.0.3"

$(gobgp_neighbor 198.18.0.1 4200000001 198.18.0.3 ipv4-unicast addpath)
$(gobgp_neighbor 2001:db8::1 4200000001 2001:db8::3 ipv6-unicast)
$(gobgp_neighbor 198.18.0.2 65002 198.18.0.3 ipv4-unicast addpath)
$(gobgp_neighbor 2001:db8::2 65002 2001:db8::3 ipv6-unicast addpath)
$(gobgp_neighbor 198.18.0.12 65002 198.18.0.13 ipv4-unicast)
$(gobgp_neighbor 198.18.0.11 65097 198.18.0.13 ipv4-unicast)
EOF

  cat >"$d/meta.json" <<EOF
{"phase": "ebgp",
 "hosts": {"198.18.0.1": "bird2", "198.18.0.11": "bird2", "2001:db8::1": "bird2",
           "198.18.0.2": "frr", "198.18.0.12": "frr", "2001:db8::2": "frr",
           "198.18.0.3": "gobgp", "198.18.0.13": "gobgp", "2001:db8::3": "gobgp"},
 "sessions": [
  {"a": "198.18.0.1", "b": "198.18.0.2", "name": "ebgp-ipv4"},
  {"a": "198.18.0.1", "b": "198.18.0.3", "name": "ebgp-ipv4"},
  {"a": "198.18.0.2", "b": "198.18.0.3", "name": "ebgp-ipv4"},
  {"a": "2001:db8::1", "b": "2001:db8::2", "name": "ebgp-ipv6"},
  {"a": "2001:db8::1", "b": "2001:db8::3", "name": "ebgp-ipv6"},
  {"a": "2001:db8::2", "b": "2001:db8::3", "name": "ebgp-ipv6"},
  {"a": "198.18.0.11", "b": "198.18.0.12", "name": "ebgp-ipv4-bad-peer-as"},
  {"a": "198.18.0.12", "b": "198.18.0.13", "name": "ebgp-ipv4-bad-peer-as"},
  {"a": "198.18.0.11", "b": "198.18.0.13", "name": "ebgp-ipv4-bad-peer-as"}]}
EOF
}

# gobgp_neighbor ADDR PEER_AS LOCAL_ADDR FAMILY [addpath] [rrclient] [nogr]
gobgp_neighbor() {
  local addr=$1 peeras=$2 laddr=$3 fam=$4
  shift 4
  local addpath=0 rr=0 gr=1 o
  for o in "$@"; do
    case $o in addpath) addpath=1 ;; rrclient) rr=1 ;; nogr) gr=0 ;; esac
  done
  cat <<EOF
[[neighbors]]
  [neighbors.config]
    neighbor-address = "$addr"
    peer-as = $peeras
  [neighbors.transport.config]
    local-address = "$laddr"
  [neighbors.timers.config]
    connect-retry = 5
    hold-time = 90
    keepalive-interval = 30
EOF
  if [ $rr = 1 ]; then
    cat <<EOF
  [neighbors.route-reflector.config]
    route-reflector-client = true
    route-reflector-cluster-id = "198.18.0.103"
EOF
  fi
  if [ $gr = 1 ]; then
    cat <<EOF
  [neighbors.graceful-restart.config]
    enabled = true
    restart-time = 120
    notification-enabled = true
    long-lived-enabled = true
EOF
  fi
  cat <<EOF
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "$fam"
EOF
  if [ $gr = 1 ]; then
    cat <<EOF
    [neighbors.afi-safis.mp-graceful-restart.config]
      enabled = true
    [neighbors.afi-safis.long-lived-graceful-restart.config]
      enabled = true
      restart-time = 3600
EOF
  fi
  if [ $addpath = 1 ]; then
    cat <<EOF
    [neighbors.afi-safis.add-paths.config]
      receive = true
      send-max = 4
EOF
  fi
}

gobgp_routes_ebgp() {
  gob global rib add -a ipv4 198.19.0.0/24
  gob global rib add -a ipv4 198.19.3.0/24 origin incomplete med 30 community 65003:300,65003:301 \
    large-community 65003:5:6,65003:7:8
  gob global rib add -a ipv4 198.19.31.0/24 origin egp aggregator 65003:198.18.0.3 aigp metric 100
  gob global rib add -a ipv4 198.19.66.0/24 rt 65003:66
  gob global rib add -a ipv6 2001:db8:100::/48
  gob global rib add -a ipv6 2001:db8:3:1::/64 med 70 community 65003:700 large-community 65003:7:0
  gob global rib add -a ipv6 2001:db8:3:2::/64 origin incomplete
}

actions_ebgp() {
  sleep 6
  log "ebgp: route refresh"
  birdc_ reload in frr4 >/dev/null
  birdc_ reload in g4 >/dev/null
  birdc_ reload in frr6 >/dev/null
  sleep 1
  vty 'clear bgp 198.18.0.1 soft in' 'clear bgp 2001:db8::1 soft in' 'clear bgp 198.18.0.3 soft in' >/dev/null
  sleep 2
  log "ebgp: announce"
  birdc_ enable sdyn4 >/dev/null
  birdc_ enable sdyn6 >/dev/null
  frrconf 'router bgp 65002' 'address-family ipv4 unicast' 'network 198.19.26.0/24' 'network 198.19.27.0/24' \
    'exit-address-family' 'address-family ipv6 unicast' 'network 2001:db8:2:26::/64' >/dev/null
  gob global rib add -a ipv4 198.19.36.0/24 community 65003:36
  gob global rib add -a ipv6 2001:db8:3:36::/64 community 65003:36
  sleep 3
  log "ebgp: withdraw"
  birdc_ disable sdyn4 >/dev/null
  birdc_ disable sdyn6 >/dev/null
  frrconf 'router bgp 65002' 'address-family ipv4 unicast' 'no network 198.19.26.0/24' 'no network 198.19.27.0/24' \
    'exit-address-family' 'address-family ipv6 unicast' 'no network 2001:db8:2:26::/64' >/dev/null
  gob global rib del -a ipv4 198.19.36.0/24
  gob global rib del -a ipv6 2001:db8:3:36::/64
  sleep 3
  log "ebgp: BIRD crash (SIGKILL) and graceful restart"
  # FRR and GoBGP keep BIRD's routes as stale (GR, 3 s), then long-lived
  # stale (LLGR, tagged LLGR_STALE); BIRD comes back with bird -R (GR recovery)
  local pid
  pid=$(cat "$PHASE_DIR/bird.pid")
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null || true
  sleep 8
  start_bird "$PHASE_DIR" -R
  wait_established 4 4
  sleep 4
  log "ebgp: session teardowns"
  # one teardown per session, each initiated by a different implementation
  birdc_ disable frr4 '"maintenance window"' >/dev/null                       # BIRD->FRR v4
  frrconf 'router bgp 65002' 'neighbor 198.18.0.3 shutdown message frr maintenance' >/dev/null  # FRR->GoBGP v4
  gob neighbor 198.18.0.1 shutdown --reason "gobgp maintenance" 2>/dev/null   # GoBGP->BIRD v4
  sleep 2
  # BIRD: changed session options on reconfigure (FRR v6)
  sed -i 's/^  local 2001:db8::1; neighbor 2001:db8::2 as 65002;/&\n  hold time 60;/' "$PHASE_DIR/bird.conf"
  birdc_ configure >/dev/null
  frrconf 'router bgp 65002' 'no neighbor 2001:db8::3' >/dev/null           # FRR->GoBGP v6
  gob neighbor del 2001:db8::1                                               # GoBGP->BIRD v6
  sleep 3
}

# ------------------------------------------------------------------ phase: ibgp
write_ibgp_configs() {
  local d=$1
  cat >"$d/bird.conf" <<EOF
log "$d/bird.log" all;
router id 198.18.0.1;
protocol device { scan time 5; }
protocol static s4 {
  ipv4;
  route 198.19.0.0/24 blackhole;
  route 198.19.1.0/24 blackhole;
  route 198.19.11.0/24 blackhole;
  route 198.19.12.0/24 blackhole;
}
protocol static s6 {
  ipv6;
  route 2001:db8:100::/48 blackhole;
  route 2001:db8:1:1::/64 blackhole;
  route 2001:db8:1:11::/64 blackhole;
  route 2001:db8:1:12::/64 blackhole;
}
protocol static sdyn4 { disabled; ipv4; route 198.19.21.0/24 blackhole; }
protocol static sdyn6 { disabled; ipv6; route 2001:db8:1:21::/64 blackhole; }
filter out4 {
  if net = 198.19.1.0/24 then {
    bgp_local_pref = 250;
    bgp_med = 5;
    bgp_community.add((65000,1));
    bgp_community.add((65535,65282));
    bgp_ext_community.add((rt, 65000, 1));
    bgp_large_community.add((65000, 1, 1));
  }
  if net ~ [ 198.19.11.0/24, 198.19.12.0/24 ] then bgp_path.prepend(4200000001);
  accept;
}
filter out6 {
  if net = 2001:db8:1:1::/64 then {
    bgp_local_pref = 50;
    bgp_community.add((65535,65281));
    bgp_large_community.add((65000, 6, 1));
  }
  accept;
}
template bgp ib {
  local as 65000;
  direct;
  rr client;
  rr cluster id 198.18.0.101;
  connect delay time 1;
  graceful restart yes;
  enable route refresh yes;
}
protocol bgp frr4 from ib {
  local 198.18.0.1; neighbor 198.18.0.2 as 65000;
  enable as4 no;
  ipv4 { import all; export filter out4; };
}
protocol bgp frr6 from ib {
  local 2001:db8::1; neighbor 2001:db8::2 as 65000;
  long lived graceful restart yes;
  ipv6 { import all; export filter out6; add paths on; };
}
protocol bgp g4 from ib {
  local 198.18.0.1; neighbor 198.18.0.3 as 65000;
  ipv4 { import all; export filter out4; add paths tx; };
}
protocol bgp g6 from ib {
  local 2001:db8::1; neighbor 2001:db8::3 as 65000;
  enable as4 no;
  ipv6 { import all; export filter out6; add paths tx; };
}
EOF

  cat >"$d/frr.conf" <<EOF
frr defaults traditional
hostname frr-petrel
log file $d/frr.log
debug bgp neighbor-events
!
route-map RM-I permit 10
 set local-preference 300
 set metric 7
 set community 65000:2 no-advertise
 set extcommunity rt 65000:2
 set large-community 65000:2:2
 set as-path prepend 4200000002
!
route-map RM-B permit 10
 set community 65000:20
!
router bgp 65000
 bgp router-id 198.18.0.2
 bgp cluster-id 198.18.0.102
 no bgp ebgp-requires-policy
 no bgp network import-check
 no bgp default ipv4-unicast
 bgp graceful-restart
 neighbor 198.18.0.1 remote-as 65000
 neighbor 198.18.0.1 timers connect 5
 neighbor 2001:db8::1 remote-as 65000
 neighbor 2001:db8::1 timers connect 5
 neighbor 198.18.0.3 remote-as 65000
 neighbor 198.18.0.3 timers connect 5
 neighbor 2001:db8::3 remote-as 65000
 neighbor 2001:db8::3 timers connect 5
 !
 address-family ipv4 unicast
  network 198.19.0.0/24
  network 198.19.2.0/24 route-map RM-I
  network 198.19.23.0/24 route-map RM-B
  network 198.19.24.0/24 route-map RM-B
  network 198.19.33.0/24
  aggregate-address 198.19.32.0/22 summary-only
  neighbor 198.18.0.1 activate
  neighbor 198.18.0.3 activate
  neighbor 198.18.0.3 route-reflector-client
  neighbor 198.18.0.3 addpath-tx-all-paths
 exit-address-family
 !
 address-family ipv6 unicast
  network 2001:db8:100::/48
  network 2001:db8:2:1::/64 route-map RM-I
  network 2001:db8:2:2::/64 route-map RM-B
  neighbor 2001:db8::1 activate
  neighbor 2001:db8::3 activate
  neighbor 2001:db8::3 route-reflector-client
  neighbor 2001:db8::3 addpath-tx-bestpath-per-AS
 exit-address-family
!
EOF

  cat >"$d/gobgp.toml" <<EOF
[global.config]
  as = 65000
  router-id = "198.18.0.3"

$(gobgp_neighbor 198.18.0.1 65000 198.18.0.3 ipv4-unicast rrclient addpath)
$(gobgp_neighbor 2001:db8::1 65000 2001:db8::3 ipv6-unicast rrclient addpath)
$(gobgp_neighbor 198.18.0.2 65000 198.18.0.3 ipv4-unicast addpath nogr)
$(gobgp_neighbor 2001:db8::2 65000 2001:db8::3 ipv6-unicast addpath)
EOF

  cat >"$d/meta.json" <<EOF
{"phase": "ibgp",
 "hosts": {"198.18.0.1": "bird2", "2001:db8::1": "bird2",
           "198.18.0.2": "frr", "2001:db8::2": "frr",
           "198.18.0.3": "gobgp", "2001:db8::3": "gobgp"},
 "sessions": [
  {"a": "198.18.0.1", "b": "198.18.0.2", "name": "ibgp-ipv4-no-as4"},
  {"a": "198.18.0.1", "b": "198.18.0.3", "name": "ibgp-ipv4"},
  {"a": "198.18.0.2", "b": "198.18.0.3", "name": "ibgp-ipv4"},
  {"a": "2001:db8::1", "b": "2001:db8::2", "name": "ibgp-ipv6"},
  {"a": "2001:db8::1", "b": "2001:db8::3", "name": "ibgp-ipv6-no-as4"},
  {"a": "2001:db8::2", "b": "2001:db8::3", "name": "ibgp-ipv6"}]}
EOF
}

gobgp_routes_ibgp() {
  gob global rib add -a ipv4 198.19.0.0/24 local-pref 90
  gob global rib add -a ipv4 198.19.3.0/24 aspath 4200000003,65010 origin igp med 3 local-pref 150 \
    community no-export,65000:3 large-community 65000:3:3
  gob global rib add -a ipv4 198.19.31.0/24 aggregator 4200000003:198.18.0.3 aigp metric 200
  gob global rib add -a ipv6 2001:db8:100::/48 local-pref 90
  gob global rib add -a ipv6 2001:db8:3:1::/64 aspath 4200000003 community 65000:3 rt 65000:3
}

actions_ibgp() {
  sleep 6
  log "ibgp: route refresh"
  birdc_ reload in frr4 >/dev/null
  birdc_ reload in frr6 >/dev/null
  birdc_ reload in g6 >/dev/null
  sleep 1
  vty 'clear bgp 198.18.0.1 soft in' 'clear bgp 2001:db8::1 soft in' 'clear bgp 2001:db8::3 soft in' >/dev/null
  sleep 2
  log "ibgp: announce/withdraw"
  birdc_ enable sdyn4 >/dev/null
  birdc_ enable sdyn6 >/dev/null
  frrconf 'router bgp 65000' 'address-family ipv6 unicast' 'network 2001:db8:2:26::/64' >/dev/null
  gob global rib add -a ipv4 198.19.36.0/24 community 65000:36
  gob global rib add -a ipv6 2001:db8:3:36::/64 large-community 65000:36:36
  sleep 3
  birdc_ disable sdyn4 >/dev/null
  birdc_ disable sdyn6 >/dev/null
  frrconf 'router bgp 65000' 'address-family ipv6 unicast' 'no network 2001:db8:2:26::/64' >/dev/null
  gob global rib del -a ipv4 198.19.36.0/24
  gob global rib del -a ipv6 2001:db8:3:36::/64
  sleep 3
  log "ibgp: FRR graceful shutdown (RFC 8326)"
  frrconf 'bgp graceful-shutdown' >/dev/null
  sleep 3
  log "ibgp: session teardowns"
  birdc_ disable g6 '"planned maintenance, back in 10 minutes"' >/dev/null   # BIRD->GoBGP v6
  frrconf 'router bgp 65000' 'neighbor 198.18.0.1 shutdown message frr ibgp maintenance' >/dev/null  # FRR->BIRD v4
  gob neighbor 2001:db8::2 disable                                           # GoBGP->FRR v6
  sleep 2
  birdc_ restart frr6 >/dev/null                                             # BIRD->FRR v6
  vty 'clear bgp 198.18.0.3' >/dev/null                                      # FRR->GoBGP v4
  gob neighbor 198.18.0.1 reset                                              # GoBGP->BIRD v4
  sleep 3
}

# ------------------------------------------------------------------ driver
run_phase() {
  local phase=$1 nbird=$2 ngob=$3
  PHASE_DIR="$WORK/$phase"
  mkdir -p "$PHASE_DIR"
  log "=== phase $phase"
  setup_ns
  "write_${phase}_configs" "$PHASE_DIR"
  ip netns exec pv-bird bird -p -c "$PHASE_DIR/bird.conf"
  start_captures "$PHASE_DIR"
  start_gobgp "$PHASE_DIR"
  "gobgp_routes_${phase}" >/dev/null
  start_frr "$PHASE_DIR"
  start_bird "$PHASE_DIR"
  wait_established "$nbird" "$ngob"
  "actions_${phase}"
  stop_daemons "$PHASE_DIR"
  stop_captures "$PHASE_DIR"
  cleanup_ns
}

run_phase ebgp 4 4
run_phase ibgp 4 4

log "extracting messages"
pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo '?'; }
BIRD_V=$(bird --version 2>&1 | head -1)
FRR_V=$("$FRR_BGPD" --version 2>&1 | head -1)
GOBGP_V=$(gobgpd --version 2>&1 | head -1)
TSHARK_V=$(tshark --version 2>/dev/null | head -1 | sed 's/\.$//')
python3 - "$WORK/info.json" <<EOF
import json, sys
json.dump({
    "date": "$(date -u +%Y-%m-%d)",
    "names": {"bird2": "BIRD 2", "frr": "FRR bgpd", "gobgp": "GoBGP"},
    "versions": {
        "BIRD": "$BIRD_V (Debian bird2 $(pkgver bird2))",
        "FRR": "$FRR_V (Debian frr $(pkgver frr))",
        "GoBGP": "$GOBGP_V (Debian gobgpd $(pkgver gobgpd))",
        "capture": "$TSHARK_V, Linux $(uname -r)",
    }}, open(sys.argv[1], "w"), indent=1)
EOF
python3 "$HERE/extract.py" --info "$WORK/info.json" "$OUT" "$WORK/ebgp" "$WORK/ibgp"
log "done: $OUT"
