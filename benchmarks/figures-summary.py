#!/usr/bin/env python3
"""Summarises figures.jsonl (from figures.sh): medians, per-pair ratios, load. Usage: figures-summary.py [file]"""
import json
import re
import statistics as st
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "benchmarks/target/figures.jsonl"
rows = [json.loads(l) for l in open(path) if l.strip()]


def med(xs):
    return st.median(xs) if xs else float("nan")


def load(r):
    return "%s..%s" % (r.get("load_avg_start", "?").split()[0], r.get("load_avg_end", "?").split()[0])


def by(fig):
    return [r for r in rows if r.get("figure") == fig]


bad = [r for r in rows if not r.get("ok", False) and r.get("figure") != "dd"]
if bad:
    print("FAILED RUNS:", len(bad), [r.get("args", r.get("query")) for r in bad])

t = [r for r in by("throughput") if r.get("ok")]
if t:
    none = [r for r in t if r["model"] == "none"]
    eo = [r for r in t if r["model"] == "exactly_once"]
    print("## keyed-aggregate throughput (K=%d, N=%d)" % (t[0]["keys"], t[0]["events"]))
    for label, rs in (("none", none), ("exactly_once@1s", eo)):
        print("  %-16s events/s: %s  median %.0f  | ev/process-cpu-s median %.0f | ev/circuit-cpu-s %s median %.0f"
              " | ckpts %s | load %s" % (
            label, [round(r["events_per_sec"]) for r in rs], med([r["events_per_sec"] for r in rs]),
            med([r["events_per_cpu_sec"] for r in rs]),
            [round(r.get("events_per_circuit_cpu_sec", 0)) for r in rs],
            med([r.get("events_per_circuit_cpu_sec", 0) for r in rs]), [r["checkpoints"]["taken"] for r in rs],
            [load(r) for r in rs]))
    pairs = [e["events_per_sec"] / n["events_per_sec"] for n, e in zip(none, eo)]
    cpairs = [e.get("events_per_circuit_cpu_sec", 0) / n["events_per_circuit_cpu_sec"] for n, e in zip(none, eo)
              if n.get("events_per_circuit_cpu_sec", 0) > 0]
    if cpairs:
        print("  per-pair ratio eo/none of events per circuit-thread CPU second: %s median %.3f" % (
            [round(p, 3) for p in cpairs], med(cpairs)))
    print("  per-pair ratio eo/none (wall clock): %s median %.3f; ratio of medians %.3f" % (
        [round(p, 3) for p in pairs], med(pairs),
        med([r["events_per_sec"] for r in eo]) / med([r["events_per_sec"] for r in none])))
    cp = [r["checkpoints"] for r in eo]
    print("  eo ckpt stall_us p50 %s p99 %s max %s; duration_ms p50 %s; bytes p50 %s" % (
        [round(c["stall_us"]["p50"]) for c in cp], [round(c["stall_us"]["p99"]) for c in cp],
        [round(c["stall_us"]["max"]) for c in cp], [round(c["duration_ms"]["p50"]) for c in cp],
        [c["bytes"]["p50"] for c in cp]))

b = [r for r in by("breakdown") if r.get("ok")]
if b:
    print("## breakdown (K=%d, N=%d)" % (b[0]["keys"], b[0]["events"]))
    for key in (("none", 0), ("exactly_once", 0), ("at_least_once", 1), ("exactly_once", 1)):
        rs = [r for r in b if (r["model"], r["interval_secs"]) == key]
        if rs:
            print("  %-15s interval %d: ev/s %s median %.0f | ev/circuit-cpu-s %s median %.0f | ckpts %s | stall_us p50 %s"
                  " | cow %s | load %s" % (key[0], key[1], [round(r["events_per_sec"]) for r in rs],
                                          med([r["events_per_sec"] for r in rs]),
                                          [round(r["events_per_circuit_cpu_sec"]) for r in rs],
                                          med([r["events_per_circuit_cpu_sec"] for r in rs]),
                                          [r["checkpoints"]["taken"] for r in rs],
                                          [round(r["checkpoints"].get("stall_us", {}).get("p50", 0)) for r in rs],
                                          [r["arena"]["copy_on_write_pages"] for r in rs], [load(r) for r in rs]))

s = [r for r in by("stall") if r.get("ok")]
if s:
    print("## stall with big state (K=%d, N=%d)" % (s[0]["keys"], s[0]["events"]))
    for r in s:
        c = r["checkpoints"]
        print("  arena pages %.0f MB alloc %.0f MB | ckpts %d | stall_us p50 %.0f p99 %.0f max %.0f | begin p50 %.0f max %.0f"
              " | commit p50 %.0f max %.0f | dur_ms p50 %.0f max %.0f | write MB/s %.0f largest %.0f MB at %.0f MB/s"
              " | cow pages %d | ev/s %.0f | rss %.1f GB | load %s" % (
                  r["arena"]["pages_bytes"] / 1e6, r["arena"]["allocated_bytes"] / 1e6, c["taken"],
                  c["stall_us"]["p50"], c["stall_us"]["p99"], c["stall_us"]["max"], c["begin_stall_us"]["p50"],
                  c["begin_stall_us"]["max"], c["commit_stall_us"]["p50"], c["commit_stall_us"]["max"],
                  c["duration_ms"]["p50"], c["duration_ms"]["max"], c["write_mb_per_sec"],
                  c.get("largest_bytes", 0) / 1e6, c.get("largest_write_mb_per_sec", 0),
                  r["arena"]["copy_on_write_pages"], r["events_per_sec"], r["peak_rss_bytes"] / 1e9, load(r)))

rs = [r for r in by("restore") if r.get("ok")]
dd = []
for r in by("dd"):
    m = re.search(r"^(\d+) bytes.*copied, ([0-9.,]+) s", r["result"])
    if m:
        dd.append(int(m.group(1)) / 1e6 / float(m.group(2).replace(",", ".")))
if dd:
    print("## dd oflag=direct 1 GiB: MB/s %s median %.0f" % ([round(x) for x in dd], med(dd)))
if rs:
    print("## full-state checkpoint after end of input + restore (K=%d)" % rs[0]["keys"])
    for r in rs:
        c, x = r["checkpoints"], r["restore"]
        print("  ckpt %.0f MB written in %.0f ms = %.0f MB/s (%.2f of dd median) | restore %.0f MB in %.0f ms"
              " (+open %.0f ms) = %.0f MB/s | node relaunch (bootstrap) %.0f ms | load %s" % (
                  c.get("largest_bytes", 0) / 1e6, c["write_ms"]["max"], c.get("largest_write_mb_per_sec", 0),
                  c.get("largest_write_mb_per_sec", 0) / med(dd) if dd else float("nan"), x["state_bytes"] / 1e6,
                  x["restore_ms"], x["open_store_ms"], x["mb_per_sec"], x.get("relaunch_ms", float("nan")), load(r)))

rp = [r for r in by("replay") if r.get("ok")]
if rp:
    print("## replay (K=%d, N=%d, no checkpoint)" % (rp[0]["keys"], rp[0]["events"]))
    ratios = [r["replay"]["ratio_to_live"] for r in rp]
    print("  live ev/s %s | replay ev/s (from launch) %s | ratio %s median %.3f | load %s" % (
        [round(r["events_per_sec"]) for r in rp], [round(r["replay"]["events_per_sec"]) for r in rp],
        [round(x, 3) for x in ratios], med(ratios), [load(r) for r in rp]))

nx = [r for r in by("nexmark") if r.get("ok")]
if nx:
    print("## nexmark (N=%d)" % nx[0]["events"])
    for q in sorted({r["query"] for r in nx}):
        line = []
        for m in ("none", "exactly_once"):
            xs = [r for r in nx if r["query"] == q and r["model"] == m]
            line.append("%s ev/s %s med %.0f, ev/process-cpu-s %.0f, ev/circuit-cpu-s %.0f, ckpts %s" % (
                m, [round(r["events_per_sec"]) for r in xs], med([r["events_per_sec"] for r in xs]),
                med([r["events_per_cpu_sec"] for r in xs]),
                med([r.get("events_per_circuit_cpu_sec", 0) for r in xs]), [r["checkpoints"]["taken"] for r in xs]))
        print("  %s (state %.0f MB; load %s): %s" % (q, max(r["arena"]["pages_bytes"] for r in nx if r["query"] == q) / 1e6,
              [load(r) for r in nx if r["query"] == q][0], " | ".join(line)))
