"""The HTTP edge: what sits between uvicorn and the GraphQL schema, one concern per module.

``viewer`` says who is asking, ``conditional`` answers ``If-None-Match``, ``response_cache``
keeps answers to repeated anonymous queries, and ``media`` serves stored files.
"""
