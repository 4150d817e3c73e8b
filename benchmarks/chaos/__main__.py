"""`python -m benchmarks.chaos [--seed N] [--leads N] [--rounds N]`: one line per round, then
one line per invariant; exit status 1 if any fails. Replay a failure with its printed seed."""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.chaos.run import Chaos, Size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.chaos", description=__doc__)
    parser.add_argument("--seed", type=int, default=None, help="default: a random one (printed)")
    parser.add_argument("--leads", type=int, default=Size.leads)
    parser.add_argument("--rounds", type=int, default=Size.rounds, help="rounds with faults")
    parser.add_argument("--keep", type=Path, default=None, help="keep the run's files here")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    print(f"chaos seed {seed} (replay: python -m benchmarks.chaos --seed {seed}"
          f" --leads {args.leads} --rounds {args.rounds})", flush=True)  # fmt: skip
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="chaos-") as scratch:
        workdir = args.keep or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        chaos = Chaos(seed, Size(leads=args.leads, rounds=args.rounds), workdir,
                      lambda line: print(line, flush=True))  # fmt: skip
        verdicts = chaos.run()
    t = chaos.tally
    print(f"faults: {t.kills} dispatchers killed mid-batch, {t.restarts} PostgreSQL restart "
          f"({t.cut_off} shards cut off), {t.feedback_events:,} SES events to SQS "
          f"({t.redelivered:,} delivered twice), {t.bounced} hard bounces, {t.unsubscribed} "
          f"unsubscribes; {t.rounds} rounds, dispatchers per round "
          f"{dict(sorted(t.dispatchers.items()))}; stand-in {chaos.standin.stats()}")  # fmt: skip
    for verdict in verdicts:
        print(verdict.line())
    failed = [v for v in verdicts if not v.ok]
    print(f"{'FAILED' if failed else 'PASSED'} in {time.monotonic() - began:.0f} s (seed {seed})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
