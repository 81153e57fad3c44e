"""`bcft bench query`: answer latency at 1k, 10k and 100k chunks, memory, and the ablation.

The shipped knowledge base is padded to each size with synthetic chunks: word salad drawn
from the knowledge base's own vocabulary (so BM25 has realistic posting lists) with random
unit vectors for the chunks and their sentences (so the vector searches do the same work as
for real text, without spending minutes embedding filler). Each size is measured in a fresh
process that only opens the index and answers, so its peak memory is the serving cost.
"""

from __future__ import annotations

import json
import logging
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

from bot.answering.engine import AnswerEngine
from bot.documents import Chunk, DocumentInfo
from bot.embedding import Embedder
from bot.index import open_index
from bot.settings import Settings
from bot.text import words
from eval.bench import latency_line, peak_memory_mb
from eval.runner import run_evaluation
from ingest.pipeline import run_ingest

log = logging.getLogger(__name__)

SYNTHETIC_DOC_CHUNKS = 500
WARM_UP = 5
# After the timed questions, at least this many different questions are answered (not timed),
# and any that raises is counted: the goal is none, at every size.
STRESS_QUESTIONS = 1000
# The goals by index size: `ask` p95 in ms and peak memory in MB (issue #10).
P95_GOAL_MS = {10_000: 25, 100_000: 50}
MEMORY_GOAL_MB = {100_000: 1200}


def bench_query(
    settings: Settings,
    knowledge_base: Path,
    questions: list[str],
    sizes: list[int],
    stress: list[str],
) -> list[str]:
    """Latency and memory at each size on `questions`, then `stress` answered without error."""
    lines = []
    with tempfile.TemporaryDirectory(prefix="bcft-bench-query-") as scratch:
        embedder = Embedder.for_settings(settings)
        for size in sizes:
            data_dir = Path(scratch) / f"n{size}"
            store = settings.model_copy(
                update={"data_dir": data_dir, "chroma_host": None, "models_dir": settings.onnx_dir}
            )
            started = time.perf_counter()
            with open_index(store, embedder) as index:
                run_ingest([knowledge_base], index)
                _pad(index, size)
                count = index.count()
            built = time.perf_counter() - started
            figures = _measure_in_fresh_process(store, questions, stress)
            p95_goal = f" (goal p95 <= {P95_GOAL_MS[size]} ms)" if size in P95_GOAL_MS else ""
            memory_goal = f" (goal <= {MEMORY_GOAL_MB[size]} MB)" if size in MEMORY_GOAL_MB else ""
            lines.append(
                f"{count:>7} chunks (built in {built:.0f} s): "
                f"{latency_line('ask', figures['seconds'])}{p95_goal}; "
                f"peak memory {figures['peak_mb']:.0f} MB{memory_goal}; "
                f"open + warm-up {figures['load_s']:.1f} s; {len(stress)} different questions "
                f"answered with {figures['errors']} errors (goal 0)"
            )
    return lines


def bench_ablation(engine: AnswerEngine, question_set: list) -> list[str]:
    """The shipped questions answered with dense-only, keyword-only and hybrid retrieval."""
    lines = ["retriever  answer-in-top-5  exact-pass  refusal-acc  p50 ms"]
    for mode in ("dense", "keyword", "hybrid"):
        summary = run_evaluation(question_set, engine, mode=mode)["summary"]
        lines.append(
            f"{mode:<10} {summary['answer_in_top_5']:>15.3f} {summary['exact_pass']:>11.3f}"
            f" {summary['refusal_accuracy']:>12.3f} {summary['latency_p50_ms']:>7.1f}"
        )
    return lines


def _pad(index, size: int) -> None:
    """Add synthetic chunks until the index holds `size` chunks."""
    vocabulary = Counter(w for c in index.chunks(include_drafts=True) for w in words(c.text))
    terms, weights = zip(*vocabulary.items(), strict=True)
    rng = random.Random(size)
    vectors = np.random.default_rng(size)
    missing = size - index.count()
    document = 0
    while missing > 0:
        n = min(SYNTHETIC_DOC_CHUNKS, missing)
        info = DocumentInfo(
            doc_id=f"synthetic-{document}",
            title=f"Synthetic filler {document}",
            category="policy",
            path=f"synthetic/{document}.md",
            content_hash=f"synthetic-{document}",
        )
        chunks = [
            Chunk(
                chunk_id=f"synthetic-{document}-{i}",
                info=info,
                section=f"Part {i}",
                position=i,
                text=" ".join(rng.choices(terms, weights=weights, k=70)) + ".",
            )
            for i in range(n)
        ]
        sentences = index.sentences_to_embed(chunks)
        raw = _unit_vectors(vectors, n + len(sentences))
        index.write_documents(
            [(chunks, None)],
            dict(zip((c.chunk_id for c in chunks), raw[:n], strict=True)),
            dict(zip(sentences, raw[n:], strict=True)),
        )
        missing -= n
        document += 1
    index.commit()


def _unit_vectors(rng: np.random.Generator, n: int) -> np.ndarray:
    raw = rng.normal(size=(n, 384)).astype(np.float32)
    return raw / np.linalg.norm(raw, axis=1, keepdims=True)


def stress_questions(pool: list[str], n: int = STRESS_QUESTIONS) -> list[str]:
    """At least `n` different questions: each of `pool` once, then, while fewer than `n`,
    pairs of them asked in one message."""
    distinct = list(dict.fromkeys(pool))
    pairs = (f"{a} Also, {b}" for a, b in zip(distinct, distinct[1:] + distinct[:1], strict=True))
    return [*distinct, *pairs][: max(n, len(distinct))]


def _measure_in_fresh_process(store: Settings, questions: list[str], stress: list[str]) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"timed": questions, "stress": stress}, handle)
    result = subprocess.run(
        [sys.executable, "-m", "eval.bench.query", str(store.data_dir), handle.name],
        env={**os.environ, "MODELS_DIR": str(store.onnx_dir)},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def _serve_questions(data_dir: Path, questions_file: Path) -> None:
    """In a fresh process: open the index, warm up, answer every question once, report; then
    answer the stress questions, counting failures."""
    given = json.loads(questions_file.read_text())
    questions = given["timed"]
    settings = Settings(data_dir=data_dir, chroma_host=None)
    started = time.perf_counter()
    with open_index(settings) as index:
        engine = AnswerEngine(index, settings)
        for question in questions[:WARM_UP]:
            engine.ask(question)
        load = time.perf_counter() - started
        seconds = []
        for question in questions[WARM_UP:]:
            began = time.perf_counter()
            engine.ask(question)
            seconds.append(time.perf_counter() - began)
        errors = 0
        for question in given["stress"]:
            try:
                engine.ask(question)
            except Exception:
                log.exception("stress question failed: %.80s", question)
                errors += 1
    figures = {"seconds": seconds, "peak_mb": peak_memory_mb(), "load_s": load, "errors": errors}
    print(json.dumps(figures))


if __name__ == "__main__":
    _serve_questions(Path(sys.argv[1]), Path(sys.argv[2]))
