"""Reliability of `askreport serve`: a soak with live rebuilds, kill -9 under load, a full disk during a build.

One command runs three experiments against real server processes (`askreport serve`, started in a
session of their own by bench/common/processes.py) on a corpus of the report and SciFact abstracts in a
temporary work directory; the clients are threads of this process with keep-alive connections:

1. soak: 64 clients send a mix of searches, 2-3 turn conversations, source views, /api/documents and
   /api/index for 5 minutes while a corpus file is edited and `askreport index` rebuilds (every third
   time `--full`) every 20 s. Requests by kind and status, errors (target 0), generations served
   (never backwards), error lines in the server's log (target 0), VmRSS growth from the end of the
   warm-up to the end (target <= 10%), latency p50/p99.
2. kill -9: 16 clients hold conversations, the server's process group gets SIGKILL mid-load, the
   server restarts on the same port: seconds to /api/ready and to the first answered search, the
   generation it serves against CURRENT, and whether every conversation answered before the kill
   still rewrites its follow-up "And in Thailand?" (conversations lost, target 0). 3 times.
3. disk full: the index on a tmpfs sized for the current generation and a same-size rebuild only;
   8 clients; the corpus grows by many SciFact abstracts; POST /api/admin/reindex, then `askreport
   index`: the build must fail saying the disk is full while serving goes on with 0 errors from the
   old generation, leave no staging directory, and a reindex after removing the extra files succeeds.

It prints Markdown; `--write` writes docs/reliability.md. Run from the repository root:

    .venv/bin/python -m bench.reliability --write      # about 10 minutes on 2 cores
    .venv/bin/python -m bench.reliability --quick      # smoke run of every experiment, 2-3 minutes
"""
