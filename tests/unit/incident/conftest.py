"""Shared fixtures for the incident tests."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from pypdf import PdfReader


def read_pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page, as a reader (and a screen reader) would get it."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture
def pdf_pages() -> Callable[[bytes], list[str]]:
    return read_pdf_pages
