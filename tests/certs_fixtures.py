"""Fixtures for the certificate and export tests: PDF reading, XLSX reading."""

from __future__ import annotations

import io
import os

import pytest


@pytest.fixture
def needs_pdf(app) -> None:
    """WeasyPrint with Pango: skipped without it locally, a failure under CI."""
    from courses.attendance.certificates import pdf_available

    if not pdf_available():
        message = (
            "WeasyPrint or Pango is missing: pip install -e '.[pdf]' and apt-get install chromium"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def read_pdf():
    """``read_pdf(data)``: the text of each page of a PDF (see :func:`pdf_pages`)."""
    return pdf_pages


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page of a PDF, whitespace folded to single spaces."""
    from pypdf import PdfReader

    assert data.startswith(b"%PDF-"), data[:40]
    reader = PdfReader(io.BytesIO(data))
    return [" ".join(page.extract_text().split()) for page in reader.pages]
