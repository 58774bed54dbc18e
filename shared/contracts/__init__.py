"""The bus contract in code: envelope, event models, registry, (de)serialisation."""
