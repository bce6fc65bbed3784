from __future__ import annotations

from assistant.splitting import split_front_matter, split_markdown

DOC = """---
title: Serving
sources:
  - https://example.com/serving
reviewed: 2026-11-28
---

# Serving

Serving puts trained models behind an endpoint.

## Real-time endpoints

Real-time endpoints answer synchronously with low latency.
They keep instances running around the clock.

```yaml
# not a heading: a comment inside code
replicas: 2
```

## Batch

Batch jobs score large datasets offline.

### Batch sizing

Larger batches raise throughput per instance.
"""


def test_chunks_keep_heading_path_and_exact_line_ranges() -> None:
    chunks, warnings = split_markdown(DOC, "serving.md")
    assert warnings == []
    lines = DOC.split("\n")
    headings = [c.heading for c in chunks]
    assert headings == [
        "Serving",
        "Serving > Real-time endpoints",
        "Serving > Batch",
        "Serving > Batch > Batch sizing",
    ]
    for c in chunks:
        # The chunk is the file's own text at the lines it names.
        assert "\n".join(lines[c.line_start - 1 : c.line_end]) == c.text
        assert c.title == "Serving"
    realtime = chunks[1]
    assert "# not a heading" in realtime.text  # code comments do not start a section
    assert lines[realtime.line_start - 1] == "## Real-time endpoints"


def test_ids_are_stable_and_depend_on_source_heading_and_text() -> None:
    first, _ = split_markdown(DOC, "serving.md")
    again, _ = split_markdown(DOC, "serving.md")
    assert [c.id for c in first] == [c.id for c in again]
    assert len({c.id for c in first}) == len(first)
    elsewhere, _ = split_markdown(DOC, "other.md")
    assert not {c.id for c in first} & {c.id for c in elsewhere}
    edited, _ = split_markdown(DOC.replace("offline", "overnight"), "serving.md")
    changed = {c.id for c in first} ^ {c.id for c in edited}
    assert len(changed) == 2  # only the Batch section's chunk changed


def test_long_sections_are_split_by_size_and_keep_their_heading() -> None:
    body = " ".join(f"Sentence number {i} about spot capacity." for i in range(200))
    doc = f"# Cost\n\n## Spot\n\n{body}\n"
    chunks, _ = split_markdown(doc, "cost.md", chunk_size=400, chunk_overlap=50)
    assert len(chunks) > 5
    assert all(len(c.text) <= 400 for c in chunks)
    assert {c.heading for c in chunks} == {"Cost > Spot"}
    assert all(c.text in doc for c in chunks)


def test_front_matter_is_parsed_and_blanked_not_removed() -> None:
    meta, body, warnings = split_front_matter(DOC)
    assert meta["title"] == "Serving" and warnings == []
    assert len(body.split("\n")) == len(DOC.split("\n"))
    broken = "---\ntitle: [unclosed\n---\n# A\n\ntext here.\n"
    meta, _, warnings = split_front_matter(broken)
    assert meta == {} and "not valid YAML" in warnings[0]


def test_plain_text_gets_its_file_name_as_heading() -> None:
    chunks, _ = split_markdown("Plain notes about GPUs.\n", "notes/gpu.txt", markdown=False)
    assert [(c.heading, c.line_start, c.line_end) for c in chunks] == [("gpu", 1, 1)]
