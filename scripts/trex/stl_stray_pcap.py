# SPDX-License-Identifier: BSD-3-Clause
"""TRex STL profile: the stray segments of scripts/bench-stray.sh, replayed.

For NICs without TX checksum offload (stl_stray.py needs it), or to send
exactly the segments the single-process benchmark verifies: a pcap written
by scripts/benchlib/gen_stray.py, whose checksums are already right, sent
in a loop. Make it with Backstop's port MAC and address (198.18.0.2, or
edit DST_IP in gen_stray.py):

    /usr/bin/python3 scripts/benchlib/gen_stray.py /tmp/stray.pcap 4096 MAC
    trex> start -f scripts/trex/stl_stray_pcap.py -m 10mpps -p 0 -t pcap=/tmp/stray.pcap

Tunables: pcap (default stray.pcap beside this file), ipg_usec (default 1:
the rate comes from -m).
"""
import argparse
import os

from trex.stl.api import STLProfile

DEFAULTS = {"pcap": os.path.join(os.path.dirname(os.path.abspath(__file__)), "stray.pcap"),
            "ipg_usec": "1"}


def options(tunables, kwargs):
    o = dict(DEFAULTS)
    o.update({k: str(v) for k, v in kwargs.items() if k in DEFAULTS})
    if isinstance(tunables, (list, tuple)):
        ap = argparse.ArgumentParser(prog="stl_stray_pcap.py")
        for k in DEFAULTS:
            ap.add_argument("--" + k, default=o[k])
        o.update(vars(ap.parse_args(tunables)))
    return o


class StrayPcap(object):
    def get_streams(self, tunables=None, direction=0, **kwargs):
        o = options(tunables, kwargs)
        # loop_count 0: the file again and again until stopped
        return STLProfile.load_pcap(o["pcap"], ipg_usec=float(o["ipg_usec"]),
                                    loop_count=0).get_streams()


def register():
    return StrayPcap()
