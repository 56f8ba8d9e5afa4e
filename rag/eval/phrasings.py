"""How people ask each question family: several phrasings per question type, picked per item.

Kept apart from the generator so wording can grow without touching the logic. Placeholders:
{model}, {other}, {org}, {year}, {n}, {modality}, {benchmark}, {month}, {topic}.
"""

from __future__ import annotations

ATTRIBUTE: dict[str, tuple[str, ...]] = {
    "developer": (
        "Who developed {model}?",
        "Which company is behind {model}?",
        "{model} was made by which organisation?",
        "who makes {model}",
    ),
    "release_date": (
        "When was {model} released?",
        "What is the release date of {model}?",
        "When did {model} come out?",
        "release date of {model}?",
    ),
    "parameters": (
        "How many parameters does {model} have?",
        "What is the parameter count of {model}?",
        "How big is {model} in parameters?",
        "{model} number of parameters",
    ),
    "context_length": (
        "What is the context length of {model}?",
        "How many tokens fit in the context window of {model}?",
        "What's the maximum context window of {model}?",
        "{model} context size?",
    ),
    "license": (
        "What licence is {model} released under?",
        "Which license does {model} use?",
        "Under what license is {model} distributed?",
    ),
    "open_weights": (
        "Does {model} have open weights?",
        "Are the weights of {model} openly available?",
        "Is {model} an open-weights model?",
        "can I download the weights of {model}?",
    ),
    "modalities": (
        "What input modalities does {model} support?",
        "Which kinds of input can {model} take?",
        "What can {model} accept as input?",
    ),
    "knowledge_cutoff": (
        "What is the knowledge cutoff of {model}?",
        "Up to when does the training data of {model} go?",
        "What's the training data cutoff date of {model}?",
    ),
    "price": (
        "How much does {org} charge per million input tokens for {model}?",
        "What is the input price of {model} on the {org} API?",
        "What does {model} cost per 1M input tokens from {org}?",
    ),
}

LIST: dict[str, tuple[str, ...]] = {
    "year": (
        "Which {org} models were released in {year}?",
        "List the models {org} released in {year}.",
        "What models did {org} put out in {year}?",
    ),
    "open_weights": (
        "Which open-weights models has {org} released?",
        "List the {org} models with open weights.",
        "What open-weight models does {org} have?",
    ),
    "min_context": (
        "Which {org} models support a context window of at least {n} tokens?",
        "List {org} models with {n} or more tokens of context.",
    ),
    "modality": (
        "Which {org} models accept {modality} input?",
        "List the {org} models that can take {modality} as input.",
    ),
}

COMPARE: tuple[str, ...] = (
    "Compare the {attribute} of {model} and {other}.",
    "What {attribute} do {model} and {other} have?",
    "How does {model} compare with {other} on {attribute}?",
    "{model} vs {other}: {attribute}?",
)

COUNT: dict[str, tuple[str, ...]] = {
    "all": (
        "How many {org} models are in the catalog?",
        "How many models has {org} developed?",
        "Count the models made by {org}.",
    ),
    "open_weights": (
        "How many open-weights models does {org} have?",
        "How many {org} models have open weights?",
    ),
    "year": (
        "How many models did {org} release in {year}?",
        "How many {org} models came out in {year}?",
    ),
}

RANK: dict[str, tuple[str, ...]] = {
    "overall": (
        "Which model has the highest {benchmark} score?",
        "What is the best model on {benchmark}?",
        "Which model tops the {benchmark} benchmark?",
        "top model on {benchmark}?",
    ),
    "org": (
        "Which {org} model scores highest on {benchmark}?",
        "What is the best {org} model on {benchmark}?",
    ),
}

LINEAGE: tuple[str, ...] = (
    "Which model is {model} fine-tuned from?",
    "What is the base model of {model}?",
    "{model} is based on which model?",
    "What model was {model} derived from?",
)

ORGANIZATION: dict[str, tuple[str, ...]] = {
    "country": (
        "Which country is {org} based in?",
        "Where is {org} headquartered?",
        "In which country is {org} located?",
    ),
    "latest": (
        "What is the latest model from {org}?",
        "Which model did {org} release most recently?",
        "What's the newest {org} model?",
    ),
}

NEWS: tuple[str, ...] = (
    "What did the news say about {model} in {month}?",
    "Was {model} in the news in {month}?",
    "Summarise the {month} news about {model}.",
    "What happened with {model} in {month}?",
)

NEWS_TOPIC: tuple[str, ...] = (
    "What did news about {topic} say about {model}?",
    "Which articles about {topic} mention {model}?",
    "Find {topic} stories that mention {model}.",
)

TOPIC: dict[str, tuple[str, ...]] = {
    "top": (
        "Which model is mentioned most in news about {topic}?",
        "What model comes up most often in {topic} news?",
        "Which model is discussed most in connection with {topic}?",
    ),
    "org": (
        "Which {org} model is mentioned most in news about {topic}?",
        "What {org} model comes up most often in {topic} news?",
    ),
    "year": (
        "Which model was mentioned most in {topic} news in {year}?",
        "In {year}, which model came up most in news about {topic}?",
    ),
}

ATTRIBUTE_WORDS = {"context_length": "context length", "parameters": "parameter count",
                   "release_date": "release date"}  # fmt: skip

# Syllables for made-up model names that no catalog holds.
FAKE_STEMS = ("Zorvex", "Quillon", "Nimbra", "Veltaro", "Orquin", "Tessaly", "Brumex", "Kalvio", "Pyrrin")
FAKE_SUFFIXES = ("Ultra", "Pro", "Mini", "Max", "Turbo", "Instruct", "Lite")

COUNTRIES = {
    "US": ("United States", "USA", "U.S.", "American"), "CN": ("China", "Chinese"),
    "FR": ("France", "French"), "GB": ("United Kingdom", "UK", "Britain", "British"),
    "UK": ("United Kingdom", "UK", "Britain", "British"), "IL": ("Israel", "Israeli"),
    "CA": ("Canada", "Canadian"), "DE": ("Germany", "German"), "KR": ("South Korea", "Korea", "Korean"),
    "JP": ("Japan", "Japanese"), "AE": ("United Arab Emirates", "UAE", "Emirati"),
    "IN": ("India", "Indian"), "SG": ("Singapore",), "CH": ("Switzerland", "Swiss"),
}  # fmt: skip

MODALITY_WORDS = {"image": ("image", "images", "vision"), "pdf": ("pdf", "document"),
                  "audio": ("audio", "speech"), "video": ("video",), "text": ("text",), "file": ("file",)}  # fmt: skip
