"""Text that addresses a model instead of reporting news, recognised by its shape.

An article is data. A sentence that speaks to a reader-machine ("Attention language models: ...",
"If you are a chatbot reading this ...") or tells someone what to answer or which sources to
trust is never evidence, whatever its wording. The rules look for shapes, not phrases:

- an address to a model: a vocative at the start of a sentence, or a frame such as "note to AI
  systems", "if you are an AI", "models reading this";
- an instruction about answering or about sources: an imperative at the start of a clause
  ("reply with", "only use this passage"), a modal aimed at "you" or a model ("AI readers should
  ignore ..."), "ignore/disregard ... the other sources" anywhere, "when asked ..., answer ...";
- chat and prompt markup: role markers, `<|im_start|>`, `[INST]`, `### Instruction`, our own
  passage format; HTML and markdown comments carrying any of that; base64 payloads.

Text is normalised first (NFKC, invisible characters, Cyrillic/Greek look-alikes, leetspeak digits,
s p a c e d letters), and quoted speech with an attribution ("'Ignore the noise,' he said") is
not read for imperatives: reporters quote people giving orders all the time.

Across sentences: a claim that only makes sense as a payload ("the other sources are outdated",
"the only person who ...") goes when a neighbouring sentence addresses a model, and the sentence
after an address header ("Notice to chatbots:") goes with it.
"""

from __future__ import annotations

import re
import unicodedata

from rag.text import sentence_spans

__all__ = ["injected_spans", "is_injection", "normalise", "strip_injections"]

# Zero-width, joiners, soft hyphen, bidi controls, BOM: invisible in a page, they split words.
_INVISIBLE = re.compile("[\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
# Cyrillic and Greek letters that render like Latin ones.
_CONFUSABLE = str.maketrans(
    "АВЕКМНОРСТХУІЈЅаеорсухіјѕԁһӏԛԝΑΒΕΖΗΙΚΜΝΟΡΤΥΧαεικνορτυχ",
    "ABEKMHOPCTXYIJSaeopcyxijsdhlqwABEZHIKMNOPTYXaeikvoptux",
)
_CONFUSABLE_CHARS = frozenset(chr(c) for c in _CONFUSABLE)
_LATIN = re.compile(r"[A-Za-z]")
_LEET = str.maketrans("013457@$", "oieastas")
_NON_ASCII_WORD = re.compile(r"\S*[^\x00-\x7f]\S*")
# A run of letters and digits with at least two Latin letters and a digit in it.
_LEET_RUN = re.compile(r"\b(?=[^\W_]*\d)(?=(?:[^\W_]*?[A-Za-z]){2})[^\W_]+\b")
# "i g n o r e", "I.G.N.O.R.E": four or more single letters joined by one separator each.
_SPACED = re.compile(r"(?<![^\W\d_])(?:[^\W\d_][ .\-_*·]){3,}[^\W\d_](?![^\W\d_])")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})


def _fold(token: str, latin_text: bool) -> str:
    letters = [c for c in token if c.isalpha()]
    confusable = [c for c in letters if c in _CONFUSABLE_CHARS]
    if confusable and (_LATIN.search(token) or (latin_text and len(confusable) == len(letters))):
        return token.translate(_CONFUSABLE)
    return token


def normalise(text: str) -> str:
    """The text as a reader sees it, lower-cased: for deciding, never for storage."""
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text)).translate(_QUOTES)
    if not text.isascii():
        letters = [c for c in text if c.isalpha()]
        latin = sum(1 for c in letters if c.isascii()) >= 0.5 * len(letters) if letters else True
        text = _NON_ASCII_WORD.sub(lambda m: _fold(m.group(), latin), text)
    # "d1sregard", "s0urces": digits read as letters only inside a run of letters, so "14-mile"
    # and "A320" stay as they are
    text = _LEET_RUN.sub(lambda m: m.group().translate(_LEET), text)
    text = _SPACED.sub(lambda m: re.sub(r"[ .\-_*·]", "", m.group()), text)
    return text.lower()


# -- vocabulary ---------------------------------------------------------------------------------

# Who an injection speaks to. "assistant" only when it is not a job title ("assistant coach").
_ADDR = (
    r"(?:(?:large\s+)?language\s+models?|llms?|large\s+models?"
    r"|(?:ai|a\.i\.)(?:[\s-]+(?:models?|systems?|assistants?|agents?|readers?|tools?|chat\s?bots?"
    r"|bots?))?|artificial\s+intelligence|chat\s?bots?|chatgpt|gpt(?:-?\d\w*)?|claude|gemini"
    r"|llama|copilot|bots?|crawlers?|scrapers?|summari[sz]ers?"
    r"|(?:automated|machine|robot)\s+(?:readers?|summari[sz]ers?|systems?|agents?|assistants?"
    r"|tools?)|(?:virtual\s+)?assistants?(?!\s+(?:coach|manager|secretary|director|professor"
    r"|editor|referee|principal|commissioner|chief|minister|general|attorney|producer|to|of)\b)"
    r"|(?:the\s+)?models?|sprachmodell\w*|ki(?:-\w+)?|assistent\w*|mod[eè]les?\s+de\s+langage"
    r"|ia|intelligence\s+artificielle|modelos?\s+de\s+lenguaje|inteligencia\s+artificial"
    r"|asistentes?)"
)
_ADDRS = rf"{_ADDR}(?:\s*(?:,|and|&|or|y|et|und)\s*{_ADDR})*"
# What an injection tells its reader to do with the answer, and with the sources.
_ANSWER = (
    r"(?:answer|reply|respond|say|state|output|print|write|tell|repeat|mention|claim|assert"
    r"|insist|conclude|reveal|cite|name|summari[sz]e|quote"
    r"|antworte[tn]?|sag|sagt|sagen|r[ée]ponds|r[ée]pondez|dites|dis|responde|respondan|responda"
    r"|contesta|contesten|di|digan?)"
)
# Imperative forms only: "Thomas disregarded these instructions" is reporting.
_IGNORE = (
    r"(?:ignore|disregard|forget|distrust|discard|overlook|skip|dismiss|ignoriere|ignoriert"
    r"|ignorieren|vergiss|vergesst|missachte|missachtet|ignorez|ignorer|oubliez|ignoren|ignora"
    r"|ignorar|olvida|olviden|olvide)"
)
# Choosing a source: needs "this/these/only/any other ..." before the source ("use primary
# sources" in a lesson plan is not an instruction to a model).
_CHOOSE = (
    r"(?:trust|use|rely(?:\s+(?:solely|only|exclusively))?\s+on|prefer|consult|believe|beachte"
    r"|nutze|verwende|utilise[rz]?|usa|utiliza)"
)
_SOURCE_VERB = rf"(?:{_IGNORE}|{_CHOOSE}|treat|pretend)"
_PICKED = (
    r"(?:only\s+|solely\s+|nur\s+)?(?:this|these|that|the\s+following|no|any|all|every|diesen"
    r"|diese|dieses|ce|cette|este|esta)\b"
)
_SOURCE = (
    r"(?:sources?|passages?|documents?|articles?|context|excerpts?|snippets?|search\s+results"
    r"|instructions?|prompts?|quellen|anweisungen|dokumente|artikel|kontext|consignes|fuentes"
    r"|instrucciones|documentos|art[íi]culos|contexto|fonti|istruzioni|documenti|articoli)"
)
_MODAL = (
    r"(?:must|should|shall|need\s+to|have\s+to|are\s+to|is\s+to|will\s+now|can\s+only|may\s+only"
    r"|are\s+(?:required|instructed|expected|asked)\s+to|musst|sollst|doit|devez|debe|deben)"
)
_ATTENTION = (
    r"(?:attention|note|notice|message|memo|warning|reminder|important|hey|hi|hello|dear"
    r"|achtung|hinweis|atenci[óo]n|aviso|avis|ok|okay)"
)
# A clause opening: the start, or after a colon, semicolon, dash, "and/then/so", with polite or
# emphatic words and a negation allowed before the verb.
_LEAD = (
    r"(?:^|[:;—–]\s*|\b(?:and|then|so|but|et|und|y)\s+)"
    r"(?:(?:please|kindly|always|only|just|now|simply|instead|from\s+now\s+on|when\s+answering"
    r"|in\s+your\s+answer|bitte|s'il\s+vous\s+pla[îi]t|por\s+favor)[\s,]+)*"
    r"(?:(?:do\s+not|don't|dont|never|ne\s+pas|nicht)\s+)?"
)
# A sentence opening proper: the start, or after a colon, semicolon or dash ("and say" is too
# common in reported speech to count).
_START = (
    r"(?:^|[:;—–]\s*)(?:(?:please|kindly|always|only|just|now|simply|instead|from\s+now\s+on"
    r"|when\s+answering|bitte|por\s+favor)[\s,]+)*(?:(?:do\s+not|don't|dont|never)\s+)?"
)
_OBJ = r"(?:\s+[\w'-]+){0,5}?\s+"


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE | re.MULTILINE)


# An address to a model at the start of a sentence: "Attention language models:", "LLMs:",
# "Dear assistant,", "Note for language models" alone on a line.
_VOCATIVE = re.compile(
    rf"^\W*(?P<attn>(?:{_ATTENTION}\b[\s,:!-]*)+)?(?:(?:to|for|an|für|à|a|para|pour)\s+)?"
    rf"(?:(?:all|any|every|each|the|die|les|los|las|tous|todos|todas|alle)\s+)?{_ADDRS}"
    r"(?:\s+(?:reading|processing|parsing|summari[sz]ing|indexing|crawling|scraping)\s+"
    r"(?:this|these|the\s+following)(?:\s+\w+)?)?\s*(?P<punct>[:,—–]|\s-\s|[.!]?$)\s*(?P<rest>.*)",
    re.IGNORECASE | re.DOTALL,
)
# What may follow "X, ..." for it to be an address rather than an apposition ("Gemini, the
# satellite operator, said ...").
_AFTER_COMMA = re.compile(
    rf"^(?:you\b|your\b|please\b|this\s+is\b|listen\b|read\b|remember\b|{_LEAD}"
    rf"(?:{_ANSWER}|{_SOURCE_VERB})\b)",
    re.IGNORECASE,
)
# An address anywhere: "Note to AI systems", "if you are a chatbot", "models reading this".
_FRAME = _rx(
    rf"\bif\s+you(?:'re|\s+are)\s+(?:an?\s+|the\s+)?{_ADDR}\b",
    rf"\b{_ADDR}\s+(?:reading|processing|parsing|summari[sz]ing|indexing|crawling|scraping"
    r"|ingesting)\s+(?:this|these|the\s+following|it)\b",
    r"\b(?:notes?|notices?|messages?|memo|warnings?|reminders?|instructions?|information"
    rf"|hinweis|nachricht|aviso|avis)\s+(?:to|for|für|pour|para|à|a)\s+(?:all\s+|any\s+|every\s+"
    rf"|the\s+)?{_ADDR}\b",
    rf"\b{_ADDR}\s+(?:instructions?|notice|note)\b",
    rf"\b(?:is|are)\s+(?:meant\s+|intended\s+|written\s+|only\s+)?(?:for|to)\s+(?:all\s+|any\s+"
    rf"|the\s+)?{_ADDRS}\b(?!\s+\w)",
    rf"\bfor\s+(?:any\s+|all\s+|the\s+)?{_ADDR}\s+only\b|\b(?:for|to)\s+(?:any|all|every)\s+{_ADDR}\b",
)
_INSTRUCTION = _rx(
    # a model, or "you", with a modal, about answering or sources ("you" narrowly: op-eds and
    # unattributed quotes say "you should claim the credit")
    rf"\b{_ADDR}\b(?:\s+(?:reading|processing|parsing|summari[sz]ing|indexing|crawling|scraping)"
    rf"(?:\s+[\w'-]+){{1,3}}?)?\s+{_MODAL}\s+(?:(?:not|never|only|always|also|first|now"
    rf"|instead|solely)\s+)*(?:be\s+)?(?:{_ANSWER}|{_SOURCE_VERB}|reveal|disclose)\b",
    rf"\byou\s+{_MODAL}\s+(?:(?:not|never|only|always|also|first|now|instead|solely)\s+)*"
    r"(?:answer|reply|respond|output|cite|reveal|disclose)\b",
    r"\byour\s+(?:answers?|responses?|repl(?:y|ies)|output|summary)\s+(?:should|must|shall|has\s+to"
    r"|needs?\s+to|is\s+to|will\s+(?:say|state|be))\b|\bin\s+your\s+(?:answer|response|reply"
    r"|output|summary)\b|\byour\s+(?:context(?:\s+window)?|system\s+prompt|training\s+data)\b",
    # imperatives at a clause opening; the verb must be followed by what it asks for
    rf"{_LEAD}(?:answer|reply|respond|antworte[tn]?|r[ée]ponds|r[ée]pondez|responde|respondan"
    r"|contesta|contesten)\b(?:\s+(?:only|solely|exclusively|always|simply|just))?\s*(?:that|with"
    r"|every|all|any|each|to\s+(?:(?:any|every|all|each)\s+(?:questions?|quer(?:y|ies)|users?"
    r"|prompts?)|the\s+user|users)|\"|'|dass|que|nur|uniquement|únicamente|seulement|solo"
    r"|only)\b",
    rf"{_START}(?:say|dites|dis|di|digan?)\s*(?:that|only|\"|'|:|exactly|verbatim|nothing\s+else"
    r"|the\s+answer|the\s+word|the\s+following|que)",
    # verbs that are also nouns ("State media", "Output fell", "Repeat offenders") need an object
    rf"{_START}(?:state|claim|assert|insist|output|print|repeat|mention|reveal)\s*(?:that|only"
    r"|nothing|the\s+following|the\s+word|the\s+answer|after\s+me|verbatim|exactly)\b",
    rf"{_START}(?:write\s+(?:that|only|the\s+word|the\s+answer|\"|:)|tell\s+(?:the\s+)?(?:user"
    r"|users|readers?|them\s+that)\b|cite\s+(?:only|this|these|the\s+following|nothing|no)\b)",
    rf"{_LEAD}(?:{_IGNORE}|treat|pretend)\b{_OBJ}{_SOURCE}\b",
    rf"{_LEAD}{_CHOOSE}\s+{_PICKED}(?:\s+[\w'-]+){{0,3}}?\s+{_SOURCE}\b",
    # "when asked ..., answer ...", "New instructions: asked ..., reply with ..."
    rf"(?:^|[:;]\s*|\b(?:when|if)\s+)(?:you\s+are\s+|you're\s+)?asked\b[^.;]{{0,160}}?,\s*"
    rf"{_ANSWER}\b",
    r"\b(?:when|if)\s+(?:a\s+|the\s+)?(?:user|readers?)\s+asks?\b|\bif\s+anyone\s+asks\s+(?:who"
    r"|what|when|where|how|which|about)\b",
    # standing orders and fake authority
    r"\b(?:the\s+answer\s+is\s+always|whatever\s+the\s+question|regardless\s+of\s+the\s+question"
    r"|no\s+matter\s+(?:what|which)\s+the\s+question|correct\s+answer\s+is\b.{0,40}"
    r"\bregardless)",
    rf"\byou\s+are\s+now\s+(?:an?\s+)?(?:unfiltered|uncensored|jailbroken|unrestricted|free|in"
    rf"\s+developer\s+mode|{_ADDR})\b",
    r"\b(?:from\s+now\s+on,?\s+you\s+are|let'?s\s+play\s+a\s+game|system\s+prompt"
    r"|repeat\s+after\s+me)\b",
    r"\b(?:rules\s+have\s+changed|notice\s+from\s+the\s+\w+\s+developers|citation\s+rules)\b",
    r"\bdecode\b.{0,30}\b(?:obey|follow|execute|run)\b",
    r"игнорир\w*.{0,40}инструкци\w*",
)
# Read in quoted text too: nobody is reported saying "disregard the other sources".
# "the other / previous / all ..." sources, or the ones "you were given": the set a model holds.
# ("We are prone to forget the source from which they come" is a proclamation, not an attack.)
_QUAL = (
    r"(?:other|others|previous|prior|earlier|above|remaining|all|every|any|your|these|those"
    r"|preceding|autres|demás|anderen|alle|toutes|tous|todas|todos|vorherigen)"
)
_ANYWHERE = _rx(
    rf"\b{_IGNORE}\s+(?:[\w'-]+\s+){{0,2}}?{_QUAL}\s+(?:[\w'-]+\s+){{0,2}}?{_SOURCE}\b",
    rf"\b{_IGNORE}\s+(?:[\w'-]+\s+){{0,3}}?{_SOURCE}\s+(?:you\s+(?:were|have\s+been)\s+given"
    r"|provided|above|given\s+to\s+you|précédentes|anteriores|except|other\s+than)\b",
    r"\btreat\b(?:\s+[\w'-]+){0,5}?\s+as\s+(?:obsolete|outdated|false|fake|unreliable|wrong"
    r"|authoritative|fact|true|the\s+only)\b",
)
# Chat templates, role markers and our own prompt format.
_MARKUP = _rx(
    r"<\|[a-z_]+\|>|\[/?inst\]|<</?sys>>|</?\s*(?:system|assistant|user|instructions?|passages)"
    r"\s*>",
    r"^\W{0,3}assistant\s*:",
    r"^\W{0,3}(?:user|human)\s*:\s*(?:who|what|when|where|which|how|why|is|are|did|do|does|can"
    r"|please|tell|ignore|answer)\b",
    r"^\W{0,3}(?:system|sys)\s*:(?=.*\b(?:you|your|always|never|must|only|answer|reply|respond"
    r"|say|ignore|disregard)\b)",
    r"^#{1,6}\s*(?:system|instructions?|response|assistant|user|human|input)\b",
    r"\bquestion\s*:.{0,200}\banswer\s*:",
    r"^\s*\[\d+\]\s+[^:\n]{1,80}\d{4}-\d{2}-\d{2}\s*:",
)
# A header that announces what follows ("### System", "<|im_start|>system").
_ROLE_HEADER = _rx(r"^#{1,6}\s*(?:system|instructions?|assistant|user|human)\W*$")
# Claims that are the payload of an address: "the other sources are outdated", "the only ...".
_PAYLOAD = _rx(
    r"\b(?:other|remaining|competing|previous|earlier)\s+(?:sources|articles|passages|documents"
    r"|reports|outlets|texts)\b[^.;]{0,40}?\b(?:are|is|were|contain|report)\b[^.;]{0,40}?\b"
    r"(?:outdated|obsolete|wrong|false|fake|unreliable|inaccurate|incorrect|fabricated|tampered"
    r"|propaganda|errors|lies|stale|out\s+of\s+date|superseded)",
    r"\b(?:the\s+)?sources\s+above\b|\bwhatever\s+the\s+other\s+\w+\s+say",
    r"\bthe\s+only\s+(?:person|one|people|member|companion|traveller|reliable|accurate|true"
    r"|correct)\b|\b(?:sole|only)\s+(?:source|companion)\b",
)
# A long base64 run with mixed case and digits and no path separators or URL parameters (a URL
# is not a payload).
_BASE64 = re.compile(
    r"(?<![\w/.+=?&-])(?=[A-Za-z0-9+/]*[a-z])(?=[A-Za-z0-9+/]*[A-Z])"
    r"(?=[A-Za-z0-9+/]*\d)[A-Za-z0-9+]{32,}={0,2}"
)


def _encoded(text: str) -> bool:
    """A base64 run, not words glued together by a bad capture ("convictedThursdayon18"): encoded
    text switches case all the time."""
    for m in _BASE64.finditer(text):
        run = m.group()
        if sum(c.isupper() for c in run) >= 0.15 * len(run):
            return True
    return False


# Hidden comments: never shown to a reader, so any address or instruction in one is an attack.
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)|^[ \t]*\[//\]:\s*#[^\n]*", re.DOTALL | re.MULTILINE)
_COMMENT_CUE = _rx(rf"\b(?:{_ADDR}|you|your|{_ANSWER}|{_SOURCE_VERB}|{_SOURCE}|instructions?)\b")
# Quoted speech is reporting when someone is said to have said it.
_QUOTED = re.compile(r"\"[^\"]{2,}\"|'[^']{2,}'(?!\w)")
_ATTRIBUTION = re.compile(
    r"\b(?:said|says|say|told|tells|asked|urged|shouted|wrote|added|quoted|according|declared"
    r"|insisted|warned|replied|sagte|erklärte|dijo|afirmó|déclaré|dit)\b",
    re.IGNORECASE,
)


def _unquoted(text: str) -> str:
    """Quoted speech removed when it is attributed: the imperative is the speaker's, reported."""
    bare = _QUOTED.sub(" ", text)
    return bare if bare != text and _ATTRIBUTION.search(bare) else text


def _address(norm: str) -> tuple[bool, bool]:
    """(addresses a model, is only a header for what follows) for one normalised sentence."""
    m = _VOCATIVE.match(_unquoted(norm))
    if m:
        rest = m.group("rest").strip()
        # "Attention language models", "Dear assistant," are addresses whatever follows; a bare
        # "AI:" or "Gemini," only when what follows speaks to it ("AI: ChatGPT is poised to ..."
        # is a section label, "Gemini, the satellite operator, said" an apposition).
        if m.group("attn") or _AFTER_COMMA.match(rest) or _PAYLOAD.search(rest):
            return True, not rest.strip(" .!")
    if _FRAME.search(norm):
        return True, norm.rstrip().endswith(":")
    return False, False


def _strong(norm: str) -> bool:
    return bool(
        _MARKUP.search(norm) or _ANYWHERE.search(norm) or _INSTRUCTION.search(_unquoted(norm))
    )


def _verdicts(text: str, spans: list[tuple[int, int]]) -> list[bool]:
    norms = [normalise(text[a:b]) for a, b in spans]
    address = [_address(n) for n in norms]
    flagged = [
        addr or _strong(n) or _encoded(text[a:b])
        for (addr, _), n, (a, b) in zip(address, norms, spans, strict=True)
    ]
    for i, n in enumerate(norms):
        near = [address[j][0] for j in (i - 1, i + 1) if 0 <= j < len(norms)]
        if _PAYLOAD.search(n) and any(near):
            flagged[i] = True  # the claim an address next to it delivers
        if i and (address[i - 1][1] or _ROLE_HEADER.search(norms[i - 1])):
            flagged[i] = True  # "Notice to chatbots:" / "### System" then the instruction
    return flagged


def injected_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every stretch of `text` addressed to a model: hidden comments carrying
    instructions, and sentences judged alone and with their neighbours (across paragraphs)."""
    found: list[tuple[int, int]] = []
    for m in _COMMENT.finditer(text):
        if _COMMENT_CUE.search(normalise(m.group())):
            found.append(m.span())
    spans = [
        (a, b) for a, b in sentence_spans(text) if not any(s <= a and b <= e for s, e in found)
    ]
    found += [s for s, bad in zip(spans, _verdicts(text, spans), strict=True) if bad]
    return sorted(found)


def is_injection(text: str) -> bool:
    """Does this text (a sentence, a passage or an article) hold anything addressed to a model?"""
    return bool(injected_spans(text))


def strip_injections(text: str) -> tuple[str, tuple[str, ...]]:
    """The text without what `injected_spans` finds, and what was taken out. Paragraphs (separated
    by a blank line, as the cleaner joins them) with nothing taken out stay verbatim."""
    spans = injected_spans(text)
    if not spans:
        return text, ()
    dropped = tuple(" ".join(text[a:b].split()) for a, b in spans)
    kept: list[str] = []
    offset = 0
    for paragraph in text.split("\n\n"):
        start, end = offset, offset + len(paragraph)
        offset = end + 2
        cuts = [(max(a, start), min(b, end)) for a, b in spans if a < end and b > start]
        if not cuts:
            kept.append(paragraph)
            continue
        pieces, cursor = [], start
        for a, b in cuts:
            pieces.append(text[cursor:a].strip())
            cursor = max(cursor, b)
        pieces.append(text[cursor:end].strip())
        rest = " ".join(p for p in pieces if p)
        if rest:
            kept.append(rest)
    return "\n\n".join(kept), dropped
