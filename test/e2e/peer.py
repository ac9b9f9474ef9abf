#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Helpers for test_peer.sh, run inside the client namespace.

    peer.py connect ADDR PORT             connect() must fail ECONNREFUSED
    peer.py rst IFACE DMAC                crafted ACK -> exact RST (v4, v6)
    peer.py probe IFACE DMAC OUT.json     send every matrix case, record replies
    peer.py compare KERNEL.json DUT.json  Linux (oracle) vs Backstop
    peer.py stats STATS.json SNIFF.json EXPECT_RST CSUM_PROBES
    peer.py expected-rsts DUT.json        how many replies Backstop sent

Every check prints one line, `ok <name>` or `FAIL <name> <why>`; the shell
counts them. Replies are captured with a raw AF_PACKET socket opened before
the first frame is sent and matched by address and port pair here, never
with sr1() (it mis-pairs RST|ACK replies whose SEQ is 0).
"""
import errno
import json
import os
import socket
import sys
import time

CLIENT4, TARGET4 = "198.18.0.1", "198.18.0.2"
CLIENT6, TARGET6 = "2001:2::1", "2001:2::2"
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
WAIT_S = 1.0            # "nothing" means no segment within this long
CLOSED_PORT = 23        # matrix 6.1: nothing listens here (9 is the discard listener)


def say(ok, name, why=""):
    print(("ok %s" % name) if ok else ("FAIL %s %s" % (name, why)), flush=True)
    return ok


# ---------------------------------------------------------------- connect()

def cmd_connect(addr, port):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    name = "connect-v%d-refused" % (6 if fam == socket.AF_INET6 else 4)
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect((addr, int(port)))
    except OSError as e:
        code = e.errno
        return say(code == errno.ECONNREFUSED, name,
                   "errno %s (%s), want %d (ECONNREFUSED)" %
                   (code, errno.errorcode.get(code, "?") if code else type(e).__name__,
                    errno.ECONNREFUSED))
    finally:
        s.close()
    return say(False, name, "connect() succeeded")


# ---------------------------------------------------------------- frames

def iface_mac(iface):
    with open("/sys/class/net/%s/address" % iface) as f:
        return f.read().strip()


# IPv4 options, as bytes (padded to a multiple of 4 with EOL).
IPV4_OPTS = {
    "nop": b"\x01\x01\x01\x00",
    "rr": b"\x07\x0b\x04" + bytes(8) + b"\x00",            # record route, 2 slots
    "ts": b"\x44\x0c\x05\x00" + bytes(8),                  # timestamps only, 2 slots
    "lsrr": b"\x83\x07\x08\xc6\x12\x00\x02\x00",        # loose source route, done
    "ra": b"\x94\x04\x00\x00",                              # router alert
}


def build(c, smac, dmac):
    """The frame of case c (a dict; see cases())."""
    from scapy.all import (Ether, HBHOptUnknown, IP, IPOption, IPv6,
                           IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                           IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, TCP, Raw)
    if c["fam"] == 4:
        ip = IP(src=c.get("src", CLIENT4), dst=c.get("dst", TARGET4),
                ttl=c.get("ttl", 64), tos=c.get("tos", 0), id=4242)
        if "ipopt" in c:
            ip.options = [IPOption(IPV4_OPTS[c["ipopt"]])]
    else:
        ip = IPv6(src=c.get("src", CLIENT6), dst=c.get("dst", TARGET6),
                  hlim=c.get("hlim", 64), tc=c.get("tc", 0), fl=c.get("fl", 0))
        for e in c.get("ext", ()):
            if e == "hbh":
                ip = ip / IPv6ExtHdrHopByHop()
            elif e == "dst":
                ip = ip / IPv6ExtHdrDestOpt()
            elif e == "dst-unknown-skip":
                ip = ip / IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=0x1e,
                                                                   optdata=b"ab")])
            elif e == "rh0-segleft0":
                ip = ip / IPv6ExtHdrRouting(type=0, segleft=0,
                                            addresses=["2001:2::9"])
            elif e == "atomic-frag":
                ip = ip / IPv6ExtHdrFragment(offset=0, m=0, id=77)
    tcp = TCP(sport=c["sport"], dport=c.get("dport", CLOSED_PORT), flags=0,
              seq=c.get("seq", 100), ack=c.get("ack", 0),
              window=c.get("win", 65535), urgptr=c.get("urg", 0),
              reserved=c.get("res", 0), options=c.get("opts", []))
    tcp.flags = c["flags"]
    if "doff" in c:
        tcp.dataofs = c["doff"]
    data = b"x" * c.get("len", 0)
    if "rawopts" in c:     # options scapy would "fix": bytes as given
        tcp.dataofs = 5 + len(c["rawopts"]) // 4
        data = c["rawopts"] + data
    pkt = Ether(src=smac, dst=dmac) / ip / tcp
    if data:
        pkt = pkt / Raw(data)
    raw = bytes(pkt)
    if c.get("badsum"):
        p = Ether(raw)
        p[TCP].chksum ^= 0x00ff
        raw = bytes(p)
    return raw


def cases():
    """Segments to a closed port (matrix 6.1 and more), each for v4 and v6.

    Every case has its own source port, so replies are matched by ports.
    'ack' is given only with the ACK flag. Sequence numbers are absolute.
    """
    md5 = [(19, bytes(16)), ("NOP", None), ("NOP", None)]
    ao = [(29, bytes([1, 1]) + bytes(12))]
    synopts = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (12345, 0)),
               ("NOP", None), ("WScale", 7)]
    base = [
        ("T1-syn", dict(flags="S", seq=100)),
        ("T2-syn-10b", dict(flags="S", seq=100, len=10)),
        ("T3-ack", dict(flags="A", seq=100, ack=5555)),
        ("T4-fin", dict(flags="F", seq=100)),
        ("T5-finack-5b", dict(flags="FA", seq=100, ack=777, len=5)),
        ("T6-null", dict(flags="", seq=100)),
        ("T7-xmas-FPU", dict(flags="FPU", seq=100, urg=1)),
        ("T8-rst", dict(flags="R", seq=100)),
        ("T8-rstack", dict(flags="RA", seq=100, ack=5)),
        ("T9-badsum", dict(flags="S", seq=100, badsum=True)),
        ("T11-doff4", dict(flags="S", seq=100, doff=4)),
        ("T12-md5", dict(flags="S", seq=100, opts=md5)),
        ("ao-kind29-len16", dict(flags="S", seq=100, opts=ao)),
        ("synack", dict(flags="SA", seq=100, ack=5555)),
        ("pshack-20b", dict(flags="PA", seq=100, ack=9999, len=20)),
        ("psh-only-5b", dict(flags="P", seq=100, len=5)),
        ("urg-only", dict(flags="U", seq=100, urg=5)),
        ("synfin", dict(flags="SF", seq=100)),
        ("synrst", dict(flags="SR", seq=100)),
        ("finrstack", dict(flags="FRA", seq=100, ack=5)),
        ("ack-zero", dict(flags="A", seq=100, ack=0)),
        ("syn-ece-cwr", dict(flags="SEC", seq=100)),
        ("ack-ece", dict(flags="AE", seq=100, ack=4242)),
        ("ack-cwr", dict(flags="AC", seq=100, ack=4343)),
        ("ece-only", dict(flags="E", seq=100)),
        ("syn-ae-res", dict(flags="SN", seq=100, res=7)),
        ("syn-opts", dict(flags="S", seq=100, opts=synopts)),
        ("pshack-ts-20b", dict(flags="PA", seq=100, ack=31337, len=20,
                               opts=[("NOP", None), ("NOP", None),
                                     ("Timestamp", (1, 2))])),
        ("fin-seqwrap", dict(flags="F", seq=0xffffffff)),
        ("syn-seqwrap-20b", dict(flags="S", seq=0xfffffff0, len=20)),
        ("syn-dport0", dict(flags="S", seq=100, dport=0)),
        ("md5-badlen", dict(flags="S", seq=100,
                            opts=[(19, bytes(8))] + [("NOP", None)] * 10)),
        ("md5-twice", dict(flags="S", seq=100, opts=md5[:1] + md5)),
        ("opt-len0-20", dict(flags="S", seq=100,
                             rawopts=b"\x02\x00" + b"\x01" * 18)),
        ("opt-len1-8", dict(flags="S", seq=100, rawopts=b"\x08\x01" + bytes(6))),
    ]
    out = []
    port = 30000
    for fam in (4, 6):
        for name, c in base:
            d = dict(c, fam=fam, sport=port, name="%s/v%d" % (name, fam))
            port += 1
            out.append(d)
        if fam == 4:
            extra = [("tos-b9-syn", dict(flags="S", seq=100, tos=0xb9)),
                     ("tos-b9-ack", dict(flags="A", seq=100, ack=6666, tos=0xb9)),
                     ("tos-ce-syn", dict(flags="S", seq=100, tos=0x03)),
                     ("ttl1-syn", dict(flags="S", seq=100, ttl=1)),
                     ("ipopt-nop-syn", dict(flags="S", seq=100, ipopt="nop")),
                     ("ipopt-ra-syn", dict(flags="S", seq=100, ipopt="ra")),
                     ("ipopt-rr-syn", dict(flags="S", seq=100, ipopt="rr")),
                     ("ipopt-rr-ack", dict(flags="A", seq=100, ack=8888, ipopt="rr")),
                     ("ipopt-ts-syn", dict(flags="S", seq=100, ipopt="ts")),
                     ("ipopt-lsrr-syn", dict(flags="S", seq=100, ipopt="lsrr")),
                     ("T10-dst-bcast-syn", dict(flags="S", seq=100, dst="198.18.0.255")),
                     ("src-bcast-syn", dict(flags="S", seq=100, src="198.18.0.255")),
                     ("src-self-syn", dict(flags="S", seq=100, src=TARGET4))]
        else:
            extra = [("tc-b9-fl-syn", dict(flags="S", seq=100, tc=0xb9, fl=0x12345)),
                     ("tc-b9-fl-ack", dict(flags="A", seq=100, ack=6666, tc=0xb9,
                                           fl=0xabcde)),
                     ("tc-ce-syn", dict(flags="S", seq=100, tc=0x03)),
                     ("hlim1-syn", dict(flags="S", seq=100, hlim=1)),
                     ("exthdr-hbh-dst-syn", dict(flags="S", seq=100, ext=("hbh", "dst"))),
                     ("exthdr-dstopt-skip-syn", dict(flags="S", seq=100,
                                                     ext=("dst-unknown-skip",))),
                     ("exthdr-rh0-segleft0-syn", dict(flags="S", seq=100,
                                                      ext=("rh0-segleft0",))),
                     ("exthdr-atomic-frag-syn", dict(flags="S", seq=100,
                                                     ext=("atomic-frag",))),
                     ("T10-dst-mcast-syn", dict(flags="S", seq=100, dst="ff02::1")),
                     ("src-self-syn", dict(flags="S", seq=100, src=TARGET6))]
        for name, c in extra:
            out.append(dict(c, fam=fam, sport=port, name="%s/v%d" % (name, fam)))
            port += 1
    return out


# ---------------------------------------------------------------- replies

def ipv4_option_kinds(b):
    """'type/len' of each IPv4 option (their contents, e.g. timestamps,
    are not compared)."""
    out, i = [], 0
    while i < len(b):
        if b[i] == 0:
            break
        if b[i] == 1:
            out.append("1")
            i += 1
            continue
        n = b[i + 1] if i + 1 < len(b) else 0
        out.append("%d/%d" % (b[i], n))
        if n < 2:
            break
        i += n
    return ",".join(out)


def fields(raw, my_mac):
    """What is compared of one reply frame."""
    from scapy.all import Ether, IP, IPv6, TCP
    from scapy.layers.inet6 import in6_chksum
    from scapy.layers.inet import in4_chksum
    p = Ether(raw)
    f = {}
    if IP in p:
        ip = p[IP]
        f.update(ttl=ip.ttl, df=bool(ip.flags.DF), mf=bool(ip.flags.MF),
                 frag=ip.frag, ipid=ip.id, tos=ip.tos, ihl=ip.ihl, iplen=ip.len,
                 ipopts=ipv4_option_kinds(bytes(ip)[20:ip.ihl * 4]))
        tcpb = bytes(ip)[ip.ihl * 4:ip.len]
        csum = in4_chksum(6, ip, tcpb)
    else:
        ip = p[IPv6]
        f.update(hlim=ip.hlim, tc=ip.tc, fl_nonzero=ip.fl != 0, fl=ip.fl,
                 nh=ip.nh, plen=ip.plen)
        tcpb = bytes(ip.payload)[:ip.plen]
        csum = in6_chksum(6, ip, tcpb)
    t = p[TCP]
    hl = t.dataofs * 4
    f.update(flags=str(t.flags), seq=t.seq, ack=t.ack, win=t.window,
             doff=t.dataofs, res=t.reserved, urg=t.urgptr,
             opts=tcpb[20:hl].hex(), paylen=len(tcpb) - hl, csum_ok=csum == 0,
             sport=t.sport, dport=t.dport, edst=p.dst, to_my_mac=p.dst == my_mac)
    return f


def capture_socket(iface):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, ETH_P_ALL))
    return s


def send_and_collect(iface, dmac, todo):
    """Send each case's frame, collect every TCP reply for WAIT_S after the
    last one. @return {case name: [reply fields]}"""
    from scapy.all import Ether, IP, IPv6, TCP
    smac = iface_mac(iface)
    s = capture_socket(iface)
    frames = [(c, build(c, smac, dmac)) for c in todo]
    for _, raw in frames:
        s.send(raw)
        time.sleep(0.002)
    got = []
    end = time.monotonic() + WAIT_S
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            raw, addr = s.recvfrom(65535)
        except socket.timeout:
            break
        if addr[2] != PACKET_OUTGOING:
            got.append(raw)
    s.close()
    byport = {}
    for raw in got:
        p = Ether(raw)
        if TCP not in p:
            continue
        if IP in p and p[IP].src != TARGET4:
            continue
        if IPv6 in p and p[IPv6].src != TARGET6:
            continue
        fam = 4 if IP in p else 6
        byport.setdefault((fam, p[TCP].dport, p[TCP].sport), []).append(fields(raw, smac))
    return {c["name"]: byport.get((c["fam"], c["sport"], c.get("dport", CLOSED_PORT)), [])
            for c in todo}, smac


def cmd_probe(iface, dmac, out):
    res, smac = send_and_collect(iface, dmac, cases())
    with open(out, "w") as f:
        json.dump({"client_mac": smac, "replies": res}, f, indent=1)
    print("probe: %d cases sent, %d answered" %
          (len(res), sum(1 for v in res.values() if v)), flush=True)
    return True


def cmd_rst(iface, dmac):
    """Test 2: `. seq 1000 ack 5555` to port 23 -> exactly `R seq 5555`."""
    todo = [dict(fam=4, sport=41000, dport=23, flags="A", seq=1000, ack=5555,
                 name="rst-reply/v4"),
            dict(fam=6, sport=41001, dport=23, flags="A", seq=1000, ack=5555,
                 name="rst-reply/v6")]
    res, smac = send_and_collect(iface, dmac, todo)
    ok = True
    for c in todo:
        r = res[c["name"]]
        if len(r) != 1:
            ok &= say(False, c["name"], "%d replies, want exactly 1" % len(r))
            continue
        r = r[0]
        want = dict(flags="R", seq=5555, ack=0, win=0, doff=5, opts="", paylen=0,
                    urg=0, res=0, csum_ok=True, to_my_mac=True, sport=23,
                    dport=c["sport"])
        if c["fam"] == 4:
            want.update(ttl=64, df=True, mf=False, frag=0, ipid=0, tos=0, ihl=5,
                        iplen=40, ipopts="")
        else:
            want.update(hlim=64, tc=0, nh=6, plen=20)
        bad = ["%s=%r want %r" % (k, r.get(k), v) for k, v in want.items()
               if r.get(k) != v]
        ok &= say(not bad, c["name"], ", ".join(bad))
    return ok


# ---------------------------------------------------------------- compare

# Cases where the oracle is not this kernel; Backstop is held to the
# matrix instead (no reply) and the kernel's answer is printed as a note:
#  - the one deliberate deviation (matrix preamble, RFC 1122 4.2.3.10):
#    never answer a broadcast source; Linux with rp_filter=0 answers it with
#    an RST to the Ethernet broadcast address;
#  - a kernel built without CONFIG_TCP_AO ignores option kind 29 and scans
#    an option area for signature options only when it is at least
#    TCPOLEN_MD5SIG (18) bytes long (tcp_do_parse_auth_options' minlen);
#    Backstop models a kernel with TCP-AO (matrix Q7/Q9: minlen 5, AO
#    without a key -> no RST). Only when this kernel lacks TCP-AO.
DELIBERATE = {"src-bcast-syn": "matrix preamble: no RST to a broadcast source"}
AO_DEPENDENT = {"ao-kind29-len16": "matrix Q9: AO option, no key -> no RST",
                "opt-len1-8": "matrix Q7: malformed option length -> no RST "
                              "(kernel with TCP-AO)"}


def kernel_has_tcp_ao():
    """True/False from the running kernel's config, None if unknown."""
    import gzip
    rel = os.uname().release
    for path, op in (("/proc/config.gz", gzip.open), ("/boot/config-" + rel, open)):
        try:
            with op(path, "rt") as f:
                text = f.read()
        except OSError:
            continue
        return "CONFIG_TCP_AO=y" in text
    return None


def diff(k, b, fam):
    keys = ["flags", "seq", "ack", "win", "doff", "res", "urg", "opts", "paylen",
            "csum_ok", "to_my_mac"]
    keys += (["ttl", "df", "mf", "frag", "ipid", "tos", "ihl", "iplen", "ipopts"]
             if fam == 4
             else ["hlim", "tc", "fl_nonzero", "nh", "plen"])
    return ["%s kernel=%r backstop=%r" % (x, k.get(x), b.get(x)) for x in keys
            if k.get(x) != b.get(x)]


def fmt(replies):
    if not replies:
        return "nothing"
    return "; ".join("%s seq %d ack %d" % (r["flags"], r["seq"], r["ack"])
                     for r in replies)


def cmd_compare(kfile, bfile):
    with open(kfile) as f:
        kern = json.load(f)["replies"]
    with open(bfile) as f:
        dut = json.load(f)["replies"]
    ao = kernel_has_tcp_ao()
    strict = os.environ.get("BS_E2E_STRICT_KERNEL") == "1"
    ok = True
    for c in cases():
        name = c["name"]
        k, b = kern.get(name), dut.get(name)
        if k is None or b is None:
            ok &= say(False, "diff " + name, "missing from a probe run")
            continue
        base = name.split("/")[0]
        why = DELIBERATE.get(base)
        if base in AO_DEPENDENT and ao is False:
            why = AO_DEPENDENT[base] + "; this kernel has no CONFIG_TCP_AO"
        if why is not None and not strict:
            ok &= say(not b, "diff " + name,
                      "backstop=%s, want nothing (%s)" % (fmt(b), why))
            if k:
                print("  note: %s: kernel sends %s, Backstop nothing: %s" %
                      (name, fmt(k), why), flush=True)
            continue
        if len(k) != len(b):
            ok &= say(False, "diff " + name,
                      "kernel: %s / backstop: %s" % (fmt(k), fmt(b)))
            continue
        bad = []
        for kr, br in zip(k, b):
            bad += diff(kr, br, c["fam"])
        ok &= say(not bad, "diff " + name, ", ".join(bad))
    return ok


# ---------------------------------------------------------------- counters

def cmd_expected_rsts(bfile):
    with open(bfile) as f:
        dut = json.load(f)["replies"]
    print(sum(len([r for r in v if "R" in r["flags"]]) for v in dut.values()))
    return True


def cmd_stats(stats_file, sniff_file, expect_rst, csum_probes):
    with open(stats_file) as f:
        st = json.load(f)
    with open(sniff_file) as f:
        sn = json.load(f)
    expect_rst, csum_probes = int(expect_rst), int(csum_probes)
    ok = say(sn["rst"] == expect_rst, "client-saw-rsts",
             "client saw %d RSTs from Backstop, the tests account for %d" %
             (sn["rst"], expect_rst))
    ok &= say(sn["tcp"] == sn["rst"], "client-saw-only-rsts",
              "%d TCP segments, %d of them RSTs" % (sn["tcp"], sn["rst"]))
    ns = st["resets"].get("NO_SOCKET")
    ok &= say(ns == sn["rst"], "json-resets-NO_SOCKET",
              "resets NO_SOCKET=%r, client saw %d" % (ns, sn["rst"]))
    other = {k: v for k, v in st["resets"].items() if k != "NO_SOCKET" and v}
    ok &= say(not other, "json-resets-only-NO_SOCKET", repr(other))
    cnt = st["counters"]
    ok &= say(cnt.get("TcpOutRsts") == sn["rst"] and cnt.get("TcpOutSegs") == sn["rst"],
              "json-TcpOutRsts", "TcpOutRsts=%r TcpOutSegs=%r, want %d" %
              (cnt.get("TcpOutRsts"), cnt.get("TcpOutSegs"), sn["rst"]))
    # Only the deliberately corrupted T9 probes may be TCP_CSUM drops: a
    # segment from the client's own stack (connect(), nc) must arrive with
    # a valid checksum over veth + af_packet.
    cs = st["drops"].get("TCP_CSUM")
    ok &= say(cs == csum_probes, "json-drops-TCP_CSUM",
              "TCP_CSUM=%r, want %d (only the bad-checksum probes)" % (cs, csum_probes))
    ok &= say(cnt.get("TcpInCsumErrors") == csum_probes, "json-TcpInCsumErrors",
              "TcpInCsumErrors=%r, want %d" % (cnt.get("TcpInCsumErrors"), csum_probes))
    tx = st["drops"].get("TX_RING_FULL")
    ok &= say(tx == 0, "json-drops-TX_RING_FULL", "TX_RING_FULL=%r" % tx)
    return ok


def main(argv):
    cmds = {"connect": (cmd_connect, 2), "rst": (cmd_rst, 2),
            "probe": (cmd_probe, 3), "compare": (cmd_compare, 2),
            "stats": (cmd_stats, 4), "expected-rsts": (cmd_expected_rsts, 1)}
    if len(argv) < 2 or argv[1] not in cmds or len(argv) - 2 != cmds[argv[1]][1]:
        sys.stderr.write(__doc__)
        return 2
    fn = cmds[argv[1]][0]
    return 0 if fn(*argv[2:]) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
