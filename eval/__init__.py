"""Offline evaluation of newsrag against a plain LangChain RAG baseline.

`eval.run.main` is the `newsrag eval` command; `eval.rows` asks and scores one question,
`eval.metrics` holds the deterministic metrics, `eval.baseline` the tutorial pipeline, `eval.rtqa`
the RealTimeQA runner, `eval.records` the pipeline-neutral record of one answer and `eval.report`
the report files. See eval/README.md.
"""
