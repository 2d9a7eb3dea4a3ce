"""Read path: candidates, personalized PageRank, validity filtering."""

from .ppr import PPRGraph, personalized_pagerank
from .search import Retriever

__all__ = ["PPRGraph", "Retriever", "personalized_pagerank"]
