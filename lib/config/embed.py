#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Turn config/backstop.conf into a C string: the built-in default config."""
import sys

src, dst = sys.argv[1], sys.argv[2]
with open(src, 'rb') as f:
    data = f.read()
with open(dst, 'w') as f:
    f.write('/* Generated from %s by embed.py. Do not edit. */\n' % src.split('/')[-1])
    f.write('const char bs_config_embedded[] = {\n')
    for i in range(0, len(data), 16):
        f.write('\t' + ', '.join('0x%02x' % b for b in data[i:i + 16]) + ',\n')
    f.write('\t0x00\n};\n')
