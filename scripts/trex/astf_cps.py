# SPDX-License-Identifier: BSD-3-Clause
"""TRex ASTF profile: complete short connections against Backstop's listeners.

TRex is the client only (start it with --astf --astf-client-mask 0x1: port 0
is a client port, nothing answers as a server); Backstop is the server, its
listeners as in config/backstop.conf. Each connection: handshake, one
request, the whole response, close (the client's FIN first; Backstop's
http keeps the connection until then, as a keep-alive server would).

    app=http  GET / HTTP/1.1 to port 80; the response is Backstop's header
              and an http_body-byte body (default 64: 127 bytes in all)
    app=echo  `size` bytes to port 7, the same bytes back

    trex> start -f scripts/trex/astf_cps.py -m 100000 -t app=http
    trex> start -f scripts/trex/astf_cps.py -m 50000 -t app=echo,size=64

-m is connections per second (cps = 1 per template, times -m). Read TRex's
`stats` (client: tcps_connects, tcps_closed, tcps_rcvbyte, and any
tcps_drops or err_* counters) beside Backstop's `backstopctl show stats`
(TcpPassiveOpens, TcpEstabResets, ListenDrops: 0) and `show workers` (busy
cycles per connection); docs/benchmarking.md.

Tunables: app (http|echo), dst (198.18.0.2), port (80 or 7), size (echo
bytes, 64), body (Backstop's http_body, 64), clients (client address
range, 198.19.0.1-198.19.255.254).
"""
import argparse

from trex.astf.api import (ASTFProfile, ASTFProgram, ASTFIPGen, ASTFIPGenDist,
                           ASTFIPGenGlobal, ASTFTCPClientTemplate, ASTFTCPServerTemplate,
                           ASTFTemplate, ASTFAssociationRule)

DEFAULTS = {"app": "http", "dst": "198.18.0.2", "port": None, "size": "64", "body": "64",
            "clients": "198.19.0.1-198.19.255.254"}


def options(tunables, kwargs):
    o = dict(DEFAULTS)
    o.update({k: str(v) for k, v in kwargs.items() if k in DEFAULTS})
    if isinstance(tunables, (list, tuple)):
        ap = argparse.ArgumentParser(prog="astf_cps.py")
        for k in DEFAULTS:
            ap.add_argument("--" + k, default=o[k])
        o.update(vars(ap.parse_args(tunables)))
    return o


def http_response_len(body):
    """Bytes of Backstop's http answer (lib/tcp/tcp_app.c http_header)."""
    head = ("HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: keep-alive\r\n\r\n" % body)
    return len(head) + body


def programs(o):
    client, server = ASTFProgram(), ASTFProgram()
    if o["app"] == "http":
        req = b"GET / HTTP/1.1\r\nHost: backstop\r\nUser-Agent: trex\r\n\r\n"
        resp = http_response_len(int(o["body"]))
        client.send(req)
        client.recv(resp)
        server.recv(len(req))           # unused: TRex runs no server port
        server.send(b"x" * resp)
    elif o["app"] == "echo":
        data = b"e" * int(o["size"])
        client.send(data)
        client.recv(len(data))
        server.recv(len(data))
        server.send(data)
    else:
        raise ValueError("astf_cps.py: app: http or echo, not '%s'" % o["app"])
    return client, server


class ShortConnections(object):
    def get_profile(self, tunables=None, **kwargs):
        o = options(tunables, kwargs)
        port = int(o["port"] or (80 if o["app"] == "http" else 7))
        first, _, last = o["clients"].partition("-")
        ip_gen = ASTFIPGen(glob=ASTFIPGenGlobal(ip_offset="1.0.0.0"),
                           dist_client=ASTFIPGenDist(ip_range=[first, last or first],
                                                     distribution="seq"),
                           dist_server=ASTFIPGenDist(ip_range=[o["dst"], o["dst"]],
                                                     distribution="seq"))
        client, server = programs(o)
        template = ASTFTemplate(
            client_template=ASTFTCPClientTemplate(program=client, ip_gen=ip_gen, port=port,
                                                  cps=1),
            server_template=ASTFTCPServerTemplate(program=server,
                                                  assoc=ASTFAssociationRule(port=port)))
        return ASTFProfile(default_ip_gen=ip_gen, templates=template)


def register():
    return ShortConnections()
