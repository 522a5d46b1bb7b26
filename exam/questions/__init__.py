"""Question types, one module each, behind a registry (see exam.questions.registry)."""
