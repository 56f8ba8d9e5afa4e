"""The seven-stage fine-tuning pipeline: dataset from the graph, base model, config, LoRA (+DPO),
evaluation against the base, the adapter registry, monitoring. Above `rag`, below `services`."""
