-- SPDX-License-Identifier: BSD-3-Clause
--
-- pktgen-dpdk: a timed stray flood against Backstop, with the packet
-- counts of both directions (docs/benchmarking.md). The flood itself is
-- the command file scripts/pktgen/stray.sh writes; this script loads it,
-- sends for BS_PKTGEN_SECONDS, and prints what pktgen sent and received:
-- every segment but an RST deserves exactly one RST back, so received /
-- sent is the share answered (1.0 less the RST share of the mix).
--
--   env $(cat DIR/stray.env) pktgen ... -f scripts/pktgen/stray.lua
package.path = package.path .. ";?.lua;test/?.lua;app/?.lua"
require "Pktgen"

local port = os.getenv("BS_PKTGEN_PORT") or "0"
local pkt = os.getenv("BS_PKTGEN_PKT") or "pktgen-stray/stray.pkt"
local seconds = tonumber(os.getenv("BS_PKTGEN_SECONDS") or "10")

-- pktgen 23+ nests the ethdev counters under .curr; older ones do not.
local function counters()
	local st = pktgen.portStats(port, "port")
	local s = st[tonumber(port)]
	local c = s.curr or s
	return c.opackets, c.ipackets, c.imissed or 0, c.ierrors or 0
end

pktgen.load(pkt)
pktgen.clr()
pktgen.delay(1000)
local tx0, rx0, miss0 = counters()
pktgen.start(port)
pktgen.delay(seconds * 1000)
pktgen.stop(port)
pktgen.delay(500)		-- the last replies come back
local tx1, rx1, miss1, err1 = counters()

local tx, rx = tx1 - tx0, rx1 - rx0
printf("\nbackstop stray flood on port %s for %d s (%s)\n", port, seconds, pkt)
printf("  sent     %14d  %10.3f Mpps\n", tx, tx / seconds / 1e6)
printf("  received %14d  %10.3f Mpps (RSTs from Backstop)\n", rx, rx / seconds / 1e6)
printf("  answered %14.4f  of the segments sent\n", tx > 0 and rx / tx or 0)
printf("  missed   %14d  (pktgen's RX could not keep up), errors %d\n", miss1 - miss0, err1)
printf("compare with Backstop: backstopctl show stats (TcpOutRsts, TcpInCsumErrors: 0)\n")
