"""Parsing many files on two cores: a worker process parses some of them and sends the results.

A cold load of a big workspace is mostly parsing, and parsing one file needs nothing from
another. Files are claimed from both ends of the list: the worker takes them from the front,
splits and parses them (the generic parse, exactly what the chunk cache holds) and sends them
in batches encoded as plain tuples, lists, strings and ints, which `marshal` writes and reads in
C. This process takes files from the back and parses and interprets them; whenever a batch has
arrived it rebuilds it, caches its chunks and interprets them. Neither side guesses the other's
speed, so a busy core costs the balance nothing. One big file would be one claim, parsed by
one core: a file of at least four units' size is cut between its chunks into runs of about
UNIT_CHARS (plan_units), and its runs are claimed like files, then joined in file order.

Interpretation stays here: its typed nodes are many small objects that cost more to send than
to build. Measured on the 2 MB benchmark workspace: pickling the typed nodes 0.48 s and
unpickling them 0.14 s, against 0.06 s + 0.06 s to encode and marshal the generic parse and
0.04 s + 0.08 s to read it back and rebuild it. With the typed nodes the worker would have been
the bottleneck (parse + interpret + pickle, 1.2 s per 2 MB); with the generic parse the two
processes balance at about 70/30 and `parse_files` takes 0.45 s instead of 0.65 s.

Results are the serial ones: the same chunk parses (the driver is deterministic and a chunk's
parse depends only on its text) interpreted in the same order. If the worker cannot be started
or dies, the files it did not deliver are parsed here.
"""

from __future__ import annotations

import gc
import marshal
import multiprocessing
import os
import re
import threading

from .blocks import TOPLEVEL_START_RE, marked_chunks, run_chunks
from .generic import Block, ChunkParse, Group, Line, Token, driver, parse_chunk

# Below this many characters a worker costs more than it saves. Measured on generated
# workspaces (2 idle cores, parse_files with a cold chunk cache, serial → parallel): 46 KB
# 15 → 25 ms, 109 KB 35 → 28 ms, 288 KB 94 → 71 ms, 949 KB 319 → 227 ms, 1.96 MB 652 → 450 ms.
# With the other core busy the worker only pays off near 2 MB (288 KB: 95 → 122 ms), hence a
# margin above the idle break-even (~80 KB). A spawned worker first imports dbmt and builds the
# parse table (~0.15 s): 949 KB 314 → 321 ms, 1.96 MB 652 → 537 ms.
PARALLEL_MIN_CHARS = 300_000
SPAWN_MIN_CHARS = 1_500_000
BATCH_CHARS = 100_000  # ~300 KB marshalled
# A file of at least 4 units is cut into runs of chunks of about this many characters, so that
# both cores parse one big file too: total // 128, between these bounds.
UNIT_CHARS = 32_000
UNIT_MIN_CHARS = 4_000
PIPE_BYTES = 1 << 20
# A load parses a chunk whose text equals one of the last LOAD_MEMO chunks' once (repeated
# elements: duplicated `Ref` lines, pasted tables, generated or hostile text). A chunk's parse
# depends only on its text, so this changes no result; it is dropped after the load.
LOAD_MEMO = 64


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def start_method() -> str | None:
    """fork where the platform has it and no other thread runs (forking a threaded process can
    copy a held lock); spawn elsewhere; None when a worker cannot help."""
    if usable_cpus() < 2:
        return None
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return "fork"
    return "spawn" if "spawn" in methods else None


# -- the transfer format -------------------------------------------------------------------
# token → (type, value, start, end); group → ((kind, start, end), items); block → (start, end,
# lines); line → (items, block or None, after, start, end); chunk → (lines, comments, errors).

def _enc_item(x):
    if type(x) is Token:
        return (x.type, x.value, x.start, x.end)
    return ((x.kind, x.start, x.end), [_enc_item(i) for i in x.items])


def _enc_line(ln: Line):
    b = ln.block
    return ([_enc_item(i) for i in ln.items],
            None if b is None else (b.start, b.end, [_enc_line(x) for x in b.lines]),
            [_enc_item(i) for i in ln.after] if ln.after else [], ln.start, ln.end)


def encode_chunk(cp: ChunkParse):
    return ([_enc_line(ln) for ln in cp.lines], cp.comments, cp.errors)


def _dec_item(x):
    if len(x) == 4:
        return Token(*x)
    (kind, start, end), items = x
    return Group(kind, start, end, [_dec_item(i) for i in items])


def _dec_line(x):
    items, b, after, start, end = x
    return Line([_dec_item(i) for i in items],
                None if b is None else Block(b[0], b[1], [_dec_line(y) for y in b[2]]),
                [_dec_item(i) for i in after], start, end)


def decode_chunk(x) -> ChunkParse:
    lines, comments, errors = x
    return ChunkParse([_dec_line(ln) for ln in lines], comments, errors)


# -- sharing the work -------------------------------------------------------------------------
# The files are claimed from both ends of the list: the worker takes them from the front, this
# process from the back, until they meet. Neither side has to guess the other's speed (this
# process also rebuilds and interprets the worker's files; the other core may be busy).

def _claim(ends, front: bool) -> int | None:
    with ends.get_lock():
        lo, hi = ends[0], ends[1]
        if lo >= hi:
            return None
        if front:
            ends[0] = lo + 1
            return lo
        ends[1] = hi - 1
        return hi - 1


def _work(conn, ends, work: tuple[list[str], list], batch_chars: int) -> None:
    """Claim units from the front, split and parse them; send batches of [(unit number,
    chunk spans (start, end, dangling), whether the run ended at a boundary, encoded
    chunks)], then None. work is (texts, units), a unit (file number, stretch): a whole file
    (stretch None) or a stretch (a, b) of one big file (plan_units)."""
    gc.disable()  # short-lived and allocation-heavy, like the load it helps
    texts, units = work
    try:
        batch, size = [], 0
        recent: dict[str, tuple] = {}  # chunk text → its encoded parse, the last LOAD_MEMO ones
        while (i := _claim(ends, front=True)) is not None:
            f, stretch = units[i]
            text = texts[f]
            if stretch is None:
                spans, ok = marked_chunks(text), True
            else:
                spans, ok = run_chunks(text, *stretch)
            encoded = []
            for s, e, _d in spans:
                chunk = text[s:e]
                enc = recent.get(chunk)
                if enc is None:
                    enc = recent[chunk] = encode_chunk(parse_chunk(chunk))
                    if len(recent) > LOAD_MEMO:
                        del recent[next(iter(recent))]
                encoded.append(enc)
            batch.append((i, spans, ok, encoded))
            size += spans[-1][1] - spans[0][0] if spans else 0
            if size >= batch_chars:
                conn.send_bytes(marshal.dumps(batch))
                batch, size = [], 0
        if batch:
            conn.send_bytes(marshal.dumps(batch))
        conn.send_bytes(_END)
    except OSError:
        pass  # the loading process stopped reading: it parses what was not sent
    finally:
        conn.close()


def plan_units(texts: list[str], unit_chars: int) -> list[tuple[int, tuple[int, int] | None]]:
    """The units both processes claim: each file whole, except that a file of at least
    4 × unit_chars is cut into stretches of about unit_chars (one big file would otherwise be
    one unit, parsed by one core). (file number, None) is a whole file, (file number, (a, b))
    a stretch; a file's stretches follow each other in file order.

    A stretch ends just past a line break (a newline, or a lone CR) before a line only a
    top-level element starts (`Table x {`, `Ref:` …), found by a search, not by splitting the
    file first: that split took a tenth of a one-file load, on one core before the other could
    start. Each side splits its own stretches (blocks.run_chunks), which also says whether the
    cut was a boundary between chunks (not one inside a string or a comment); `join` goes on
    from the first that was not."""
    units: list[tuple[int, tuple[int, int] | None]] = []
    for f, text in enumerate(texts):
        n = len(text)
        if n < 4 * unit_chars:
            units.append((f, None))
            continue
        a = 0
        # Whether a block comment or a triple-quoted string is open at the cut, as far as their
        # delimiters tell (a guess: one inside a string or a line comment counts too), so that
        # a cut is not taken inside commented-out tables or a long note: there, the stretch
        # before it would run on and the rest of the file be split again (see join). Each
        # delimiter is read once.
        scan = _LONG_RE.finditer(text)
        ahead = next(scan, None)
        comment = triple = False
        at = unit_chars
        while (m := _CUT_RE.search(text, at)) is not None:
            cut = m.end()
            while ahead is not None and ahead.start() < cut:
                d = ahead.group()
                if triple:
                    triple = d != "'''"
                elif comment:
                    comment = d != "*/"
                elif d == "/*":
                    comment = True
                elif d == "'''":
                    triple = True
                ahead = next(scan, None)
            if comment or triple:
                at = cut
                continue
            units.append((f, (a, cut)))
            a = cut
            at = a + unit_chars
        units.append((f, (a, n)))
    return units


# Where a big file is cut: just past a line break, before a line only a top-level element starts.
_CUT_RE = re.compile(r"[\n\r](?=" + TOPLEVEL_START_RE.pattern + ")")  # a lone CR ends lines too
_LONG_RE = re.compile(r"/\*|\*/|'''")


def _widen(conn) -> None:
    """Let a pipe hold several batches, so the worker does not wait for this process to read
    (Linux; elsewhere the default buffer only makes the worker wait more)."""
    try:
        import fcntl
        fcntl.fcntl(conn.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass


def parse_in_parallel(texts: list[str], parse_here, assemble, cache, method: str,
                      parse_run=None, assemble_run=None, join=None) -> list:
    """parse_here(text) → result for the whole files this process parses itself; assemble(text,
    spans, chunk parses) → result for the worker's. A big file is cut into stretches
    (plan_units) when parse_run(text, stretch) and assemble_run(text, spans, ended at a
    boundary, chunk parses) give a stretch's result and join(text, [(stretch, result)]) the
    file's. Results in the order of `texts`."""
    if method == "fork":
        driver()  # build the parse table once, before the worker inherits this process
    total = sum(map(len, texts))
    # Small batches keep the tail short: the last one is rebuilt after the worker is done.
    batch_chars = max(4_000, min(BATCH_CHARS, total // 32))
    if join is not None:
        units = plan_units(texts, max(UNIT_MIN_CHARS, min(UNIT_CHARS, total // 128)))
    else:
        units = [(f, None) for f in range(len(texts))]

    def here(u):
        f, stretch = units[u]
        return parse_here(texts[f]) if stretch is None else parse_run(texts[f], stretch)

    def files(results: list) -> list:
        out: list = [None] * len(texts)
        runs: dict[int, list] = {}
        for (f, stretch), r in zip(units, results):
            if stretch is None:
                out[f] = r
            else:
                runs.setdefault(f, []).append((stretch, r))
        for f, rs in runs.items():
            out[f] = join(texts[f], rs)
        return out

    def rebuild(data: bytes, results: list) -> None:
        # A chunk the worker had just parsed with the same text is the same object here
        # (marshal writes an object it meets again as a reference): decoded once.
        decoded: dict[int, ChunkParse] = {}
        for i, spans, ok, chunks in marshal.loads(data):
            f, whole = units[i]
            text = texts[f]
            cps = []
            for (s, e, _d), enc in zip(spans, chunks):
                cp = decoded.get(id(enc))
                if cp is None:
                    cp = decoded[id(enc)] = decode_chunk(enc)
                if cache is not None:
                    cache.put(text[s:e], cp)
                cps.append(cp)
            results[i] = assemble(text, spans, cps) if whole is None else assemble_run(text, spans, ok, cps)

    return files(share(method, _work, ((texts, units), batch_chars), len(units), here, rebuild))


def share(method: str, target, args: tuple, count: int, here, rebuild) -> list:
    """Units 0 … count-1 done on two cores: a worker process runs `target(sender, ends, *args)`,
    claiming units from the front (`_claim(ends, front=True)`) and sending batches of results
    as bytes, then `_END`; this process claims from the back, `here(i)` → the result, and passes
    each batch that has arrived to `rebuild(data, results)`. Returns the results in unit
    order; what the worker claimed and did not deliver (it could not start, or died) is done
    here."""
    ctx = multiprocessing.get_context(method)
    ends = ctx.Array("q", [0, count])
    receiver, sender = ctx.Pipe(duplex=False)
    _widen(receiver)
    results: list = [None] * count
    proc = ctx.Process(target=target, args=(sender, ends, *args), daemon=True)
    try:
        proc.start()
    except OSError:
        receiver.close()
        sender.close()
        return [here(i) for i in range(count)]
    sender.close()
    # Rebuild what the worker has sent whenever there is some; otherwise do one of our own
    # units; when none is left to claim, wait for the worker's last batches.
    finished = False
    try:
        while True:
            if receiver.poll():
                data = receiver.recv_bytes()
                if data == _END:
                    break
                rebuild(data, results)
                continue
            i = _claim(ends, front=False)
            if i is not None:
                results[i] = here(i)
                continue
            receiver.poll(None)
    except (EOFError, OSError):
        pass  # the worker died: what it claimed and did not send is done below
    else:
        finished = True
    finally:
        receiver.close()
        if not finished:  # died, or this process was interrupted: do not wait for it
            proc.terminate()
        proc.join()
    for i, r in enumerate(results):
        if r is None:
            results[i] = here(i)
    return results


_END = marshal.dumps(None)
