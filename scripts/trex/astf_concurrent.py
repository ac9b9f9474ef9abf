# SPDX-License-Identifier: BSD-3-Clause
"""TRex ASTF profile: many concurrent idle connections to Backstop's `hold`
listener (port 5000), and the reply rate while they are held.

TRex is the client only (--astf --astf-client-mask 0x1). Each connection is
opened, sends `size` bytes (0: none), then stays open and idle for `hold`
seconds before the client closes it; `limit` connections in all, opened at
-m per second. The hold app accepts after delay_ms and never reads or
closes, so each connection is an idle ESTABLISHED entry in Backstop's table
(`backstopctl show tables`: Connections). Run stl_stray.py on the same port
meanwhile to measure the RST rate with the table full, and compare with an
empty table (docs/benchmarking.md).

    trex> start -f scripts/trex/astf_concurrent.py -m 200000 -t limit=10000000,hold=600

Backstop needs the table for it: [tcp] connections = limit / workers (and
memory: 127.1 bytes per connection, 1.27 GB for 10 million).

Tunables: dst (198.18.0.2), port (5000), limit (1000000), hold (seconds,
300), size (0), clients (198.19.0.1-198.19.255.254: with 64512 source
ports per address, 10 million connections need at least 156 addresses).
"""
import argparse

from trex.astf.api import (ASTFProfile, ASTFProgram, ASTFIPGen, ASTFIPGenDist,
                           ASTFIPGenGlobal, ASTFTCPClientTemplate, ASTFTCPServerTemplate,
                           ASTFTemplate, ASTFAssociationRule)

DEFAULTS = {"dst": "198.18.0.2", "port": "5000", "limit": "1000000", "hold": "300",
            "size": "0", "clients": "198.19.0.1-198.19.255.254"}


def options(tunables, kwargs):
    o = dict(DEFAULTS)
    o.update({k: str(v) for k, v in kwargs.items() if k in DEFAULTS})
    if isinstance(tunables, (list, tuple)):
        ap = argparse.ArgumentParser(prog="astf_concurrent.py")
        for k in DEFAULTS:
            ap.add_argument("--" + k, default=o[k])
        o.update(vars(ap.parse_args(tunables)))
    return o


class IdleConnections(object):
    def get_profile(self, tunables=None, **kwargs):
        o = options(tunables, kwargs)
        port = int(o["port"])
        client = ASTFProgram()
        client.connect()
        if int(o["size"]):
            client.send(b"h" * int(o["size"]))
        # idle for `hold` seconds, one second per delay (a counted loop)
        client.set_var("var_hold", int(o["hold"]))
        client.set_label("a:")
        client.delay(1000000)
        client.jmp_nz("var_hold", "a:")
        server = ASTFProgram()
        server.accept()
        server.wait_for_peer_close()
        first, _, last = o["clients"].partition("-")
        ip_gen = ASTFIPGen(glob=ASTFIPGenGlobal(ip_offset="1.0.0.0"),
                           dist_client=ASTFIPGenDist(ip_range=[first, last or first],
                                                     distribution="seq"),
                           dist_server=ASTFIPGenDist(ip_range=[o["dst"], o["dst"]],
                                                     distribution="seq"))
        template = ASTFTemplate(
            client_template=ASTFTCPClientTemplate(program=client, ip_gen=ip_gen, port=port,
                                                  cps=1, limit=int(o["limit"])),
            server_template=ASTFTCPServerTemplate(program=server,
                                                  assoc=ASTFAssociationRule(port=port)))
        return ASTFProfile(default_ip_gen=ip_gen, templates=template)


def register():
    return IdleConnections()
