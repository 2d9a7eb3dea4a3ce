"""The agents' node functions: the Constructor (write path) and the Retriever (read path)."""
