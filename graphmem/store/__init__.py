"""Graph stores: the embedded SQLite default and Neo4j."""

from .base import Adjacency, Batch, GraphStore, UnitUpdate

__all__ = ["Adjacency", "Batch", "GraphStore", "UnitUpdate"]
