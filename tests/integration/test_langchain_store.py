"""newsrag's store and retriever with the real embedder: the Chroma collection opened as it is by
`langchain_chroma.Chroma`, and `as_retriever()` in sync and async use. No LLM is loaded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_chroma import Chroma

from rag import NewsRAG, Settings
from tests import aio
from tests.conftest import MODEL_DIR, SEEDS

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def news(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NewsRAG]:
    root: Path = tmp_path_factory.mktemp("lcstore")
    rag = NewsRAG(Settings(data_dir=root, model_dir=MODEL_DIR))
    assert len(rag.ingest([SEEDS]).added) == 5
    yield rag


def test_langchain_chroma_opens_the_store_as_it_is(news: NewsRAG) -> None:
    before = news.store.generation(), news.store.count()
    store = Chroma(
        client=news.store.client,
        collection_name=news.store.chunks_name,
        embedding_function=news.embeddings,
    )
    found = store.similarity_search_with_relevance_scores("Kim Jong Un greeted Putin", k=4)
    assert len(found) == 4
    assert any("Kim Jong Un" in doc.page_content for doc, _ in found), found
    ids = {a.id for a in news.articles()}
    for doc, score in found:
        assert 0.0 < score <= 1.0
        article = news.article(doc.metadata["article_id"])
        assert article is not None and article.id in ids
        assert article.text[doc.metadata["start"] : doc.metadata["end"]] == doc.page_content
        assert doc.metadata["outlet"] == article.outlet and doc.metadata["title"] == article.title
    # Chroma's own metadata filters work on newsrag's fields.
    outlet = found[0][0].metadata["outlet"]
    scoped = store.similarity_search("Putin", k=3, filter={"outlet": outlet})
    assert scoped and {d.metadata["outlet"] for d in scoped} == {outlet}
    # Opening and reading it changed nothing newsrag relies on.
    assert (news.store.generation(), news.store.count()) == before


def test_the_retriever_finds_the_answer_passage(news: NewsRAG) -> None:
    retriever = news.as_retriever(k=5)
    docs = retriever.invoke("Who greeted Putin at the plane?")
    assert len(docs) == 5
    assert any("Kim Jong Un" in d.page_content and "greeted" in d.page_content for d in docs)
    for d in docs:
        article = news.article(d.metadata["article_id"])
        assert article is not None
        assert article.text[d.metadata["start"] : d.metadata["end"]] == d.page_content
    assert [d.metadata["score"] for d in docs] != [0.0] * 5
    assert aio.run(retriever.ainvoke("Who greeted Putin at the plane?")) == docs
