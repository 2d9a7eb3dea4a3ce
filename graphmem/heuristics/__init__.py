"""Text rules the zero-LLM decisions and the Judge share: slots, stated values, denials."""
