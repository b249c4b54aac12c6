"""Measuring retrieval: question sets and their metrics, BEIR collections."""
