"""Failures of ours are logged with their traceback but never with more than a prefix of input."""

from __future__ import annotations

import logging

import pytest
from graphql import GraphQLError

from schema.errors import LOGGED_MESSAGE_LENGTH, log_unexpected


def fail(slug: str) -> None:
    raise RuntimeError(f"value too long for type character varying(160): {slug}")


def test_a_long_message_is_cut_and_the_traceback_kept(caplog: pytest.LogCaptureFixture):
    try:
        fail("a" * 1_000_000)
    except RuntimeError as original:
        error = GraphQLError("boom", path=["article"], original_error=original)
    with caplog.at_level(logging.ERROR, logger="cms.errors"):
        log_unexpected(error)
    [record] = caplog.records
    text = record.getMessage()
    assert len(text) < LOGGED_MESSAGE_LENGTH + 2000
    assert "RuntimeError: value too long" in text
    assert "(1000048 characters)" in text
    assert "in fail" in text  # the frames that matter are there
    assert record.exc_info is None
