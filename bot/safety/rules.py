"""The deterministic safety layer: phrases and patterns for every red flag, no I/O, no network.

It runs on every message, whether or not Rasa is up, so a crisis is always caught. Recall comes
first: when in doubt a phrase escalates and a human decides. How a message is read:

1. `normalise` folds the many ways people type the same words into one form: case, unicode
   look-alikes and accents, l33t ("k1ll"), contractions ("don't", "dont" -> "do not"), slang
   ("wanna" -> "want to", "u" -> "you"), punctuation (sentence ends become " . ").
   Stretched letters ("diiiie", "killll") are read both ways: squeezed to one and to two.
   Typing tricks are undone too: "I OD'd", "s/h", "killmyself", "I.want.to.die", "d i e", "want too die".
2. Each `Rule` is a list of regular expressions over that normalised text (macros such as
   `<SELF>` are listed in `MACROS`), with the level it raises: a risk, or a rupture kind.
3. A match right after a negation ("i am not suicidal", "no chest pain") or about the past
   ("used to cut myself") drops to the rule's `negated` / `past` level. Idioms ("this stretch
   is killing me", "dying to try it", "my legs are dead") stay out because the patterns are
   narrow (a person must be the object of "kill"; "die" needs a wish), with lookaheads for the
   exceptions ("cut myself shaving", "rather die than do another plank").
4. A rule may also soften when the words before ask in general ("what should i do if i get chest
   pain": `asking`) or the message laughs at a joke ("that pun was so bad i wanted to die lol":
   `joking`); "not joking" keeps it a crisis.

Patterns are written in the normalised form: "do not", "can not", "i am", "want to".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from bot.safety.verdict import RISK_LEVELS, RUPTURE_KINDS, Verdict

CRISIS = "crisis"
CONCERN = "concern"
NONE = "none"
CONFRONTATION = "confrontation"
WITHDRAWAL = "withdrawal"

MAX_SNIPPET = 60
"""Characters of the matched words quoted in a reason."""
NEGATION_LOOKBACK = 5
"""Words before a match searched for a negation ("i would never ever really ...")."""
CONTEXT_CHARS = 50
"""Characters either side of a match searched for "used to", "years ago", "my doctor"."""
CACHE_SIZE = 4096
"""Verdicts remembered: patients often send the same short answers ("yes", "done")."""

# --- normalisation ---------------------------------------------------------------------------

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'", "′": "'"})
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "@": "a", "$": "s", "!": "i", "*": "u", "5": "s", "7": "t"}
_LEET_RE = re.compile(r"(?<=[a-z])[013457@$!*]+(?=[a-z])")
_STRETCHED = re.compile(r"([a-z])\1{2,}")
_CONTRACTION = re.compile(r"\b([a-z]+)'([a-z]+)\b")
_IS_CONTRACTIONS = frozenset(
    "it that what he she there here who where how life everything nothing something this tonight today".split()
)
_NOT_STEMS = {"ca": "can", "wo": "will", "sha": "shall", "ai": "is"}
_WORDS = {
    # negations typed without the apostrophe
    "dont": "do not", "doesnt": "does not", "didnt": "did not", "cant": "can not",
    "cannot": "can not", "couldnt": "could not", "wont": "will not", "wouldnt": "would not",
    "shouldnt": "should not", "isnt": "is not", "arent": "are not", "wasnt": "was not",
    "werent": "were not", "havent": "have not", "hasnt": "has not", "hadnt": "had not",
    "aint": "is not", "mustnt": "must not", "dnt": "do not", "cnt": "can not",
    # other contractions typed without the apostrophe
    "im": "i am", "ive": "i have", "youre": "you are", "theyre": "they are", "whats": "what is",
    "thats": "that is", "hes": "he is", "shes": "she is", "theres": "there is", "ur": "you are",
    "u": "you", "ya": "you", "yu": "you", "r": "are", "lemme": "let me", "gimme": "give me",
    # slang and common typos
    "wanna": "want to", "wana": "want to", "gonna": "going to", "gona": "going to",
    "gotta": "got to", "tryna": "trying to", "hafta": "have to", "kinda": "kind of",
    "sorta": "sort of", "outta": "out of", "dunno": "do not know", "idk": "i do not know",
    "idc": "i do not care", "dgaf": "do not care", "cuz": "because", "cos": "because",
    "coz": "because", "bc": "because", "becuz": "because", "becuase": "because",
    "pls": "please", "plz": "please", "rn": "right now", "tho": "though", "thx": "thanks",
    "abt": "about", "wnat": "want", "wnt": "want", "whant": "want", "liv": "live",
    "meself": "myself", "myslef": "myself", "mysefl": "myself", "mysef": "myself",
    "mysel": "myself", "myseld": "myself", "urself": "yourself", "nvm": "never mind",
    "nevermind": "never mind", "selfharm": "self harm", "alot": "a lot", "sumthing": "something",
    "somethin": "something", "nothin": "nothing", "tmrw": "tomorrow", "tmr": "tomorrow",
    "tonite": "tonight", "gf": "girlfriend", "bf": "boyfriend", "hubby": "husband",
    "okay": "ok", "k": "ok", "kk": "ok", "okey": "ok", "anymore": "anymore", "any1": "anyone",
    "some1": "someone", "every1": "everyone", "no1": "no one", "noone": "no one",
    "cuttin": "cutting", "burnin": "burning", "hurtin": "hurting", "drinkin": "drinking", "usin": "using",
    "killin": "killing", "dyin": "dying", "livin": "living", "lfie": "life", "lyfe": "life", "lif": "life",
    "myslf": "myself", "mysself": "myself",
    "oded": "overdosed", "mylife": "my life", "mylfie": "my life",
    "thinkin": "thinking", "feelin": "feeling", "goin": "going", "tryin": "trying", "takin": "taking",
    "doin": "doing", "plannin": "planning", "endin": "ending",
    "bout": "about", "fr": "for real",
    "ngl": "not going to lie", "n": "and", "wiv": "with",
    "finna": "going to", "gunna": "going to", "sumone": "someone", "evry": "every", "pils": "pills",
    "tabs": "tablets", "tabz": "tablets", "pillz": "pills", "nite": "night", "2nite": "tonight",
    # texting shorthand: vowels dropped, "w/" for with
    "wud": "would", "cud": "could", "shud": "should", "bein": "being", "wat": "what", "wen": "when",
    "yrs": "years", "yr": "year", "mins": "minutes", "w": "with", "wrds": "words", "cmng": "coming",
    "sory": "sorry", "ppl": "people", "til": "until",
}
_WORD_RE = re.compile(r"[a-z0-9']+")
_TO_NUMBER = re.compile(r"\b(want|wanted|going|need|have|like|ready|deserve) 2\b")
_TO_TOO = re.compile(
    r"\b(want|wanted|wanting|need|going|ready|deserve) too (?=die|dye|kill|end|hurt|cut|harm|jump|overdose)"
)
""""want too die": "too" for "to" only before a red-flag verb, so "want too much" stays."""
_LAUGHS = str.maketrans({"😂": " lol ", "🤣": " lol ", "😆": " lol ", "😹": " lol ", "😅": " lol "})
_OVERDOSED = re.compile(r"\bo\.?d(?:'d|'ed|'ing)\b")
""""I OD'd" would otherwise read as "od would"."""
_SLASHED_SH = re.compile(r"\bs ?/ ?h\b")
""""s/h" is the usual shorthand for self-harm."""
_RUN_ON = re.compile(
    r"\b(kill|kil|hurt|harm|cut|burn|end|off|hang)(my ?s[a-z]{2,4}|my ?life|my ?lfie|urself|yourself)\b"
)
"""Words typed together: "killmyself", "endmylife"."""
_DOTTED = re.compile(r"\b[a-z]+(?:[._][a-z]+){2,}\b")
"""Words joined by dots or underscores: "i.want.to.die"."""
_SPACED = re.compile(r"\b(?:[a-z][ -]){2,}[a-z]\b")
"""A word spelt out letter by letter: "d i e"."""
_CLAUSE_BREAK = re.compile(r"[.!?;:\n\r…]+")
_COMMA = re.compile(r",+")
_OTHER = re.compile(r"[^a-z0-9., ]+")
_SPACES = re.compile(r" +")


def _fold_unicode(text: str) -> str:
    """Fancy letters to plain ones, accents off, invisible characters out."""
    text = unicodedata.normalize("NFKC", text).casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(
        ch for ch in decomposed if ch in "\n\r\t" or unicodedata.category(ch) not in ("Mn", "Cf", "Cc")
    )


def _expand_contraction(match: re.Match[str]) -> str:
    base, tail = match.group(1), match.group(2)
    if tail == "t" and base.endswith("n"):
        stem = base[:-1]
        return _NOT_STEMS.get(stem, stem) + " not"
    expansions = {"m": " am", "re": " are", "ve": " have", "ll": " will", "d": " would"}
    if tail in expansions:
        return base + expansions[tail]
    if tail == "s" and base in _IS_CONTRACTIONS:
        return base + " is"
    return base + tail


def _replace_word(match: re.Match[str]) -> str:
    word = match.group(0)
    return _WORDS.get(word, word)


def _normalise_once(text: str) -> str:
    text = text.lower() if text.isascii() else _fold_unicode(text)
    text = _OVERDOSED.sub(lambda m: "overdosing" if m.group(0).endswith("ing") else "overdosed", text)
    text = _SLASHED_SH.sub("self harm", text)
    text = _DOTTED.sub(lambda m: re.sub(r"[._]", " ", m.group(0)), text)
    text = _SPACED.sub(lambda m: re.sub(r"[ -]", "", m.group(0)), text)
    text = _RUN_ON.sub(r"\1 \2", text)
    text = _LEET_RE.sub(lambda m: "".join(_LEET.get(c, c) for c in m.group(0)), text)
    text = _CONTRACTION.sub(_expand_contraction, text)
    text = _WORD_RE.sub(_replace_word, text)
    text = text.replace("'", "").replace("&", " and ")
    text = _TO_NUMBER.sub(r"\1 to", text)
    text = _TO_TOO.sub(r"\1 to ", text)
    text = _CLAUSE_BREAK.sub(" . ", text)
    text = _COMMA.sub(" , ", text)
    text = _OTHER.sub(" ", text)
    text = text.replace(".", " . ").replace(",", " , ")
    return _SPACES.sub(" ", text).strip()


def normalise(text: str) -> list[str]:
    """The readings of `text` the rules run on: one, or two when letters are stretched."""
    plain = text.translate(_APOSTROPHES).translate(_LAUGHS)
    lowered = plain.lower()
    if not _STRETCHED.search(lowered):
        return [_normalise_once(plain)]
    readings = [_normalise_once(_STRETCHED.sub(r"\1\1", lowered)), _normalise_once(_STRETCHED.sub(r"\1", lowered))]
    return readings if readings[0] != readings[1] else readings[:1]


# --- the rules -------------------------------------------------------------------------------

MACROS = {
    "<SELF>": r"(?:myself|my self|me self)",
    "<SUI>": r"(?:s+u+i*[cs]+i*d+(?:e|es|al|ial|ally|ality|le)|sewer ?slide|self ?delet\w*|unaliv\w*|un alive)",
    # wishing for death ("want to die"), not predicting it ("going to die after this workout")
    "<WISH>": (
        r"(?:want|wanted|wanting|wants|need|needed|wish|wished|would like|ready|deserve|prefer|planning"
        r"|plan|plans|decided|tempted|trying|tried|attempted|longing|urge|urges|wish i could|i could just)"
    ),
    # intent to act ("going to hurt myself", "tempted to cut myself")
    "<INTENT>": (
        r"(?:want|wanted|wanting|wants|need|needed|wish|wished|would like|going|gonna|ready|planning|plan"
        r"|plans|decided|tempted|urge|urges|thinking about|thought about|thinking of|thought of"
        r"|feel like|felt like|feeling like|struggling not|fighting the urge)"
    ),
    "<HARM>": (
        r"(?:cut|cutting|harm|harming|hurt|hurting|burn|burning|punish|punishing|starve|starving|hit"
        r"|hitting|scratch|scratching|bruise)"
    ),
    "<PEOPLE>": (
        r"(?:him|her|them|someone|somebody|anyone|anybody|everyone|everybody|people|others|other people"
        r"|(?:my|his|her|our|the) (?:husband|wife|partner|boyfriend|girlfriend|ex|boss|manager|neighbou?rs?"
        r"|mum|mom|mother|dad|father|son|daughter|kids?|children|child|baby|brother|sister|flatmate"
        r"|roommate|colleague|coworker|co worker|family|stepdad|stepmum|stepson|stepdaughter|carer"
        r"|landlord|teacher|doctor|therapist|physio|in laws?)"
        r"|that (?:guy|man|woman|idiot|bastard|bitch|prick|cow|twat)|the people(?: at work)?|whoever|"
        r"the next (?:person|"
        r"one|guy|man|woman)|the baby)"
    ),
    "<ABUSER>": (
        r"(?:he|she|(?:my (?:\w+s )?|the )(?:husband|wife|partner|boyfriend|girlfriend|ex|dad|father|mum|mom|mother"
        r"|stepdad|stepfather|stepmum|stepmother|son|daughter|brother|sister|carer|caregiver|care worker|uncle"
        r"|aunt|boss|flatmate|roommate|landlord|grandson|granddaughter))"
    ),
    "<MEDS>": (
        r"(?:meds|medication|medications|medicine|medicines|pills|tablets|prescription|prescriptions"
        r"|antidepressants?|anti depressants?|ssris?|snris?|sertraline|citalopram|escitalopram|fluoxetine"
        r"|prozac|zoloft|paroxetine|venlafaxine|effexor|duloxetine|mirtazapine|bupropion|lithium"
        r"|quetiapine|seroquel|olanzapine|risperidone|aripiprazole|abilify|lamotrigine|valproate|depakote"
        r"|clozapine|pregabalin|gabapentin|insulin|warfarin|apixaban|rivaroxaban|blood thinners?"
        r"|statins?|beta blockers?|inhalers?|anti ?psychotics?|mood stabili[sz]ers?|methadone"
        r"|buprenorphine|subutex|heart (?:meds|pills|tablets|medication)|anticoagulants?|steroids|levothyroxine"
        r"|metformin|carbamazepine|levetiracetam|prednisolone|anti ?epileptics?"
        r"|(?:epilepsy|seizure|thyroid|diabetes|diabetic|adhd|parkinsons|transplant|hiv|psych|mental health|pain)"
        r" (?:meds|pills|tablets|medication)"
        r"|blood pressure (?:meds|pills|tablets|medication)|anxiety (?:meds|pills|medication))"
    ),
    # what people overdose on: the prescribed list plus over-the-counter and street names
    "<DRUGS>": (
        r"(?:<MEDS>|sleeping (?:pills|tablets)|sleepers|painkillers|pain killers|paracetamol|acetaminophen|tylenol"
        r"|ibuprofen|aspirin|co ?codamol|codeine|tramadol|oxycodone|oxycontin|oxy|morphine|fentanyl|opioids|opiates"
        r"|diazepam|valium|xanax|benzos|zopiclone|amitriptyline|nurofen|panadol|methotrexate|naproxen|diclofenac"
        r"|dihydrocodeine|nortriptyline|propranolol|lorazepam|clonazepam|temazepam|promethazine|lean|heroin|ketamine"
        r"|ket|ghb|mdma|pills from (?:the|my) doctor|tablets from (?:the )?doctor)"
    ),
    "<ALCOHOL>": r"(?:alcohol|booze|vodka|whisky|whiskey|gin|rum|wine|beer|spirits|drink)",
    "<BODY>": (
        r"(?:arm|arms|leg|legs|face|foot|feet|hand|hands|side|fingers|toes|lip|lips|tongue|thigh|thighs"
        r"|shin|shins|calf|calves|groin|bum|buttocks|saddle area|shoulder|knee|knees|back|neck|jaw)"
    ),
    "<MUCH>": r"(?:really|so|very|super|extremely|incredibly|terribly|awfully|properly|seriously|quite|pretty|totally)",
    "<END>": r"(?= \.| ,|$)",
    # how people end their lives: a supply, a height, a ligature, a blade, a gas; paired with <FINAL> below
    "<MEANS>": (
        r"(?:<DRUGS>|(?:the |a )?(?:rope|noose|ligature)|train tracks|railway (?:line|tracks|bridge)|the tracks|"
        r"(?:in front of|under) (?:a|the) (?:train|lorry|bus|truck)|(?<!glute )(?<!hip )(?<!leg )bridge(?!s| exercise|"
        r" pose| hold| position)|cliffs?|cliff edge|beachy head|top floor|multi ?storey|car park roof|off the roof|"
        r"ledge|knife|knives|blades?|razors?|razor blades|guns?|shotgun|rifle|bleach|antifreeze|rat poison|weed "
        r"killer|poison|charcoal|exhaust|hose ?pipe|car running|engine running|gas oven|head in the oven|medicine "
        r"(?:cabinet|cupboard)|jump off|jump from|jumping off|the river|the sea|overdose|overdosing)"
    ),
    # a plan, a date, a goodbye: what turns a means or despair into intent
    "<FINALITY>": (
        r"(?:goodbye (?:forever|for good|everyone|everybody|all|world|to (?:everyone|you all|my family|the world))|"
        r"final goodbye|farewell|bye forever|bye for good|(?:saying|said) my goodbyes|(?:left|leave|leaving|written|"
        r"wrote|writing|write) (?:a |the |my )?(?:letters?|notes?) (?:for|to) (?:my |the |everyone|each)|"
        r"(?:have|got|made) (?:a |the |my )?plan(?: sorted| ready| in place| worked out|<END>)|plan (?:sorted|ready|in "
        r"place|all worked out|is set)|(?:i have|i) decided(?: that)? (?:i (?:will|am going to) )?(?:to )?(?:do it|go "
        r"through with it|end|die|not (?:continue|carry on|go on|be here))|(?:i have|i) decided<END>|made up my "
        r"mind<END>|mind is made up|considered decision|cry for help|one way (?:trip|ticket|journey)|for the last "
        r"time|(?:i am|i will be|be) (?:gone|going|leaving) for good|(?:end|ending) (?:it|this|things) for good|"
        r"i am not coming back<END>|(?:will not|not going to|will no longer) be (?:coming back|here|"
        r"around|alive|needing)|when (?:the|my) (?:flat|house|home|place) is empty|when (?:everyone|they|the kids) "
        r"(?:is|are) (?:gone|away|asleep)|(?:nobody|no one) (?:will|would) (?:miss me|notice i am gone|find me|care "
        r"if)|(?:this weekend|tonight|today|tomorrow|friday|saturday|sunday) is it<END>|i know what i am (?:doing|"
        r"going to do) with (?:it|them)|how easy it would be|i am ready<END>|ready to go<END>|this is it<END>|tonight "
        r"is the night|once and for all|you (?:will|"
        r"would) know why|(?:not sure|do not know if|might not) i (?:will|would|could)(?: \w+){0,3} next time|after "
        r"(?:the )?\d+(?:st|nd|rd|th)|(?:want|wanted|need|wish) to (?:just )?sleep for (?:a )?(?:very )?long(?: "
        r"long)? time|(?:want|wish|hope) (?:to |i )?(?:never|not|do not) wake up)"
    ),
    # despair in so many words, or a question about whether a method works
    "<POINTLESS>": (
        r"(?:no|what is the) point(?:(?: in| of| to)? (?:living|going on|carrying on|being here|being alive|anything|"
        r"any of it|life|it all|anymore|any more)|<END>)"
    ),
    "<FINAL>": (
        r"(?:<FINALITY>|can not (?:go on|carry on|do this anymore|do this any more|take (?:it|this) anymore)|"
        r"<POINTLESS>|better off (?:without me|dead|if i (?:was|were) (?:gone|dead|not here))|end it|end things|"
        r"ending it|ending things|end my life|finish (?:it|my life)|enough to (?:do it|kill|die|end)|(?:be|is) "
        r"(?:painless|lethal|fatal)|to be certain|do it properly|(?:nobody|no one) (?:needs?|wants?) me|thinking "
        r"(?:to|about|of) (?:finish|finishing|ending|end) (?:it|my|things))"
    ),
    "<WEAPON>": (
        r"(?:knife|knives|blade|machete|hammer(?! curls?| toes?| strength)|(?<!massage )(?<!glue )(?<!heat )(?<!nail )"
        r"(?<!staple )(?<!water )(?<!nerf )(?<!toy )gun|shotgun|rifle|pistol|firearm|baseball "
        r"bat|crowbar|axe|acid)"
    ),
    "<DOWNERS>": (
        r"(?:xanax|benzos|diazepam|valium|lorazepam|clonazepam|temazepam|zopiclone|sleeping (?:pills|tablets)|"
        r"sleepers|codeine|co ?codamol|dihydrocodeine|tramadol|oxycodone|oxycontin|oxy|morphine|fentanyl|opioids|"
        r"opiates|heroin|lean|ghb|ket|ketamine|methadone|pregabalin|gabapentin|promethazine|quetiapine|seroquel|"
        r"mirtazapine|amitriptyline)"
    ),
    "<START>": r"(?:^|(?<=\. )|(?<=, ))",
}


def _expand(pattern: str) -> str:
    while "<" in pattern and any(name in pattern for name in MACROS):
        for name, body in MACROS.items():
            pattern = pattern.replace(name, body)
    return pattern


@dataclass(frozen=True)
class Rule:
    """One red flag or rupture sign: what it raises, and the phrases that show it."""

    name: str
    patterns: tuple[str, ...]
    risk: str = NONE
    rupture: str = NONE
    negated: str = NONE
    """Risk when the match is negated ("i am not suicidal"); a rupture is dropped."""
    past: str | None = None
    """Risk when the match is about the past ("used to cut myself"); None: the past counts fully."""
    resolved: str | None = None
    """Risk when the words just after say it has passed ("dizzy but it went away"); None: no effect."""
    unless_before: str | None = None
    """A regex that, found in the words just before, cancels the match ("my doctor stopped ...")."""
    asking: str | None = None
    """Risk when the words before ask in general ("what should i do if i get chest pain")."""
    joking: str | None = None
    """Risk when the message laughs at something funny ("that joke was so bad i wanted to die lol")."""
    also: str | None = None
    """A second pattern that must also be found, not negated, somewhere in the same message: a means
    ("the tablets") only counts together with a plan or finality ("on friday when the flat is empty")."""
    others: str | None = None
    """Risk when the words just before make someone else the subject ("my friend has been self-harming")."""


SUICIDAL = Rule("suicidal ideation", risk=CRISIS, negated=CONCERN, past=CONCERN, joking=CONCERN, others=CONCERN,
                patterns=(
    r"<SUI>(?! squad| prevention| awareness| rates?\b| statistics| bombers?)",
    r"kms",
    r"(?:kill|kil|killing|killed|kiling|kll) <SELF>(?! (?:laughing|with laughter|at work|over (?:this|that|it|these)|"
        r"for (?:this|that|it|nothing)|trying|to get))",
    r"(?:end|ending|ended|take|taking|took|taken) (?:my|my own) life",
    r"end (?:it all|everything|myself|my existence|my suffering for good)|end things(?! with| between| for)",
    r"(?:<INTENT>|should|could|will|time|to) (?:to )?end it(?! with| for| here| there| early| off| now for| on a|"
        r" at)(?: all| tonight| now| today| soon| for good)?",
    r"i (?:will |am going to |could |might |should |just )?end it(?: all| tonight| now| today| soon| for good)?<END>|"
        r"just end it<END>",
    # "i'm ending it this weekend": the progressive with a when
    r"i am (?:just )?ending it(?: all)? (?:this (?:weekend|week|evening|afternoon|morning|year)|tonight|tomorrow|"
        r"today|soon|on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|after (?:christmas|"
        r"the weekend|the holidays)|for good)",
    r"(?:do not think|not sure|doubt|no way) i can (?:go on|carry on|keep going|keep living|do this anymore|"
        r"do this any more|last much longer)<END>",
    r"(?:except|other than|but|apart from) (?:dying|death|<SUI>|to die|killing <SELF>|ending it)",
    r"(?:drive|driving|crash|crashing|steer|steering) (?:my car |the car |myself )?(?:into|off) (?:a|the) (?:wall|tree|"
        r"bridge|river|cliff|lorry|truck|oncoming traffic|sea|road|barrier|crash barrier|central reservation|pillar|"
        r"bus|motorway barrier)(?! (?:by accident|accidentally))|(?:crash|crashing|crashed|wreck|wrecking|roll|"
        r"rolling) (?:my|the) car (?:on purpose|deliberately)",
    r"(?:i|just) (?:want|need|wanna) out<END>",
    r"(?:looking up|looked up|look up|searching|searched|googling|googled|researching|researched|reading about|"
        r"read about) (?:ways|how|the best way|methods) to (?:die|kill <SELF>|end (?:it|my life)|overdose|<SUI>)|"
        r"(?:ways|"
        r"methods) (?:to|of) (?:die|dying|kill <SELF>|end it|<SUI>)",
    r"(?:use|using|turn|point|pointing) (?:it|the knife|a knife|the blade|a blade|them|the pills|the rope) on <SELF>",
    r"(?:standing|sitting|stood|sat|i am) (?:on|at) (?:the|a) (?:bridge|ledge|roof edge|cliff edge|cliff|railway|"
        r"tracks|edge)(?! of (?:the|my) (?:bed|chair|sofa|seat|bath|pool|step))",
    r"(?:can not|could not) do (?:this )?life(?: thing)?(?: anymore| any more)",
    r"(?:want|wants) out of (?:life|this life|this world|it all|everything)",
    r"(?:put|putting) an end to (?:it all|my life|everything|myself|my suffering|it for good)",
    r"(?:off|offing|top|topping) <SELF>(?! up)|do <SELF> in",
    r"<WISH> (?:to )?(?:just )?(?:die|be dead|not exist|not be alive|stop existing|stop living|not be here anymore|"
        r"not wake up|never wake up|disappear forever|go to sleep forever|sleep forever|go to sleep and (?:never|"
        r"not) wake up)(?! (?:of|from) (?:embarrassment|shame|laugh\w*|boredom|cringe)| laughing| halfway| half way|"
        r" during| doing| in the middle| on (?:that|the) (?:hill|walk|run|stairs|plank)| (?:my|her|his|the|"
        r"it) (?:hair|clothes|shirt|jeans|beard|roots|wool)| it )",
    r"(?:wish|wished|hope|hoping|pray|praying) (?:that )?i (?:was|were|could be|would be|will be|am|"
        r"would just be) dead",
    r"(?:wish|wished|hope|hoping|pray|praying) (?:that )?i (?:could |would |will )?(?:just )?(?:die|not wake up|"
        r"never wake up|do not wake up|die in my sleep|disappear forever|stop existing)(?! (?:of|"
        r"from) (?:embarrassment|shame|laugh\w*))",
    r"(?:wish|wished) i (?:was|were|had) (?:never|not) (?:been )?born(?! (?:in|into|at))",
    r"better off dead|(?:rather|prefer to) be dead",
    r"rather die(?! (?:than|then) (?:do|doing|go|going|eat|eating|another|more|miss|skip|sit|wait|run|listen|watch|"
        r"lose|answer|fill|plank|squat|walk|stretch))",
    r"(?:would|will|be|are|is) (?:so much |much |a lot |all )?(?:better|happier|easier) (?:off )?without me",
    r"(?:better|happier|easier|lighter|freer) (?:off )?(?:with me gone|without me(?: around| here)?<END>)",
    r"(?:better|easier|happier) (?:off )?(?:for everyone |for them )?(?:if|when|once) i (?:was|were|am) (?:dead|gone|"
        r"not here|not around)|(?:better|easier|happier) (?:off )?(?:for everyone )?if i (?:died|disappeared)",
    r"(?:no one|nobody|would anyone|would anybody|does anyone|would they even)(?: would)?(?: even| really)? (?:miss me|"
        r"notice if i (?:was|were|am) (?:gone|dead)|notice if i (?:died|disappeared)|notice<END>|care if i (?:died|"
        r"was gone|"
        r"were gone|"
        r"disappeared|was dead))",
    r"do not want to (?:live|be alive|exist|be here anymore|be here any more|be here much longer|be around anymore|"
        r"wake up|go on|carry on|keep living|keep going|be on this earth|be in this world)",
    r"do not (?:even |really |honestly )?want to be here(?:<END>| (?:anymore|any more|without (?:him|her|them|my "
        r"\w+)))|"
        r"(?:no longer|not|no) (?:want|wanna) (?:to )?(?:live|be alive|exist)(?! (?:in|with|near|like))|(?:do not|no "
        r"longer) "
        r"(?:feel like|see the point in) living",
    r"(?:not sure|do not know|unsure) (?:(?:if|whether|why) )?i (?:want to|can|should|even want to) (?:live|go on|"
        r"keep going|carry on|keep living|be here|be alive|stay alive)",
    r"(?:no|not any|not a single|nothing|there is no|do not see any|do not see the|can not see the|can not see any|"
        r"see no) (?:reason|point|purpose) (?:to |in |of |for )?(?:live|living|life|being alive|go on|going on|"
        r"carry on|carrying on|be here|being here|stay alive|staying alive|keep going|keep living|wake up|waking up|"
        r"exist|existing|me being here)(?! with| to the| and)",
    r"nothing (?:left )?to live for|nothing worth living for",
    r"(?:life|living|it) (?:is |feels |seems )?not worth (?:living|it anymore|it any more)|not worth living",
    r"what is the point (?:of|in) (?:living|life|being alive|going on|existing|waking up|carrying on|me)<END>|"
        r"(?:what is the|no) point (?:of|in) me (?:being here|being alive|existing|staying)",
    r"(?:tired|sick|exhausted) of (?:living|life|being alive|existing|waking up|being here)|(?:done|"
        r"finished) with (?:life|living|being alive)|hate being alive",
    r"(?:can not|could not|can no longer) (?:go on|carry on|keep going|keep living|go on living)<END>",
    r"(?:can not|could not|can no longer) (?:go on|carry on|keep going|keep living|live|go on living|"
        r"do life)(?: (?:like this|anymore|any more|this way|much longer|for much longer))",
    r"(?:can not|could not) (?:take|handle|stand|bear) (?:it|this|life|living|this life|being alive|the pain|"
        r"this pain|any more|anymore)(?: much longer)?(?: anymore| any more)",
    r"(?:(?:thinking|think|thought|thoughts|fantasi[sz]\w*|fantasy|dreaming|dream|dreams|obsessing) (?:about|of|"
        r"on)|picturing|imagining|planning) (?:<SUI>|killing <SELF>|ending (?:it|my life|things|it all)|dying|"
        r"death(?! of)|taking my (?:own )?life|"
        r"not being here|not waking up|being dead|disappearing forever|my (?:own )?funeral|ways to die)",
    r"(?:have|got|made|making|make|working on) (?:a|the|my) plan (?:to|for|of|on how to) (?:kill|end|die|dying|<SUI>|"
        r"take my)",
    r"(?:<SUI>|goodbye) (?:note|letter)s?",
    r"(?:jump|jumping|jumped|throw <SELF>|throwing <SELF>|leap) (?:off|from) (?:a|the|that|this|my) (?:bridge|"
        r"building|roof|cliff|balcony|tower|car park|multi storey|overpass|window)",
    r"(?:jump|jumping|jumped|throw <SELF>|throwing <SELF>|step|stepping|walk|walking|lie down) (?:in front of|"
        r"under) (?:a|the) (?:train|tube|bus|lorry|truck|car|traffic)",
    r"(?:hang|hanging|hanged) <SELF>|(?:tie|tied|tying) a noose|a noose|(?:got|have|bought|keep|hidden|"
        r"hid) a (?:rope|length of rope)(?! for (?:the|my) (?:garden|washing|boat|dog|tent))",
    r"(?:written|wrote|writing|leave|left|leaving) (?:goodbye |farewell |final )?(?:letters|notes) (?:to|"
        r"for) (?:my (?:family|kids|children|wife|husband|partner|parents|mum|dad|mom|son|daughter)|everyone|"
        r"each of them)",
    r"(?:slit|slash|slashing|cut|cutting|open) (?:my|me) (?:wrists?|throat|veins?)",
    r"(?:take|took|taking|swallow|swallowed|swallowing|down|downed|downing) (?:all of|too many|a handful of|"
        r"handfuls of|a bunch of|loads of|lots of|the whole (?:bottle|packet|box|pack)|a whole (?:bottle|packet|box|"
        r"pack)|all the|every one of) (?:my |the |these |those )?(?:pills|tablets|meds|medication|paracetamol|"
        r"sleeping pills|painkillers|pain killers|antidepressants|insulin|tramadol|codeine|co codamol|opioids)",
    r"(?:got|have|had) (?:the|my|enough) (?:pills|tablets|rope|meds) (?:ready|saved|lined up|to do it)|(?:pills|"
        r"tablets|rope|meds) (?:are )?ready<END>",
    r"all (?:of )?my (?:pills|tablets|meds) at once|(?:stockpil\w*|saving up|saved up|save up|hoard\w*|"
        r"collecting) (?:my |the )?(?:pills|tablets|meds|medication|paracetamol|painkillers)",
    r"overdos\w*(?! (?:crisis|epidemic|deaths|rates?|awareness|prevention|statistics|figures)| on (?:chocolate|sugar|"
        r"coffee|caffeine|cake|netflix|tv|carbs|sweets|cheese|crisps|biscuits|"
        r"cuteness|love))|od(?:ed|d|ing)? on (?:pills|tablets|meds|paracetamol|painkillers|my)",
    r"(?:do not|not|never) (?:trust|feel safe with|feel safe around|feel safe being alone with) <SELF>|"
        r"not safe (?:with|around|from|by) <SELF>",
    r"(?:scared|afraid|frightened|worried|terrified) (?:of what i (?:might|will|could|would) do|i (?:might|will|"
        r"could|would) do something)(?! (?:wrong|silly|embarrassing|in the group|during))",
    r"do (?:something|anything) (?:stupid|drastic|silly|terrible) (?:to <SELF>|tonight|today)|(?:might|will|going to|"
        r"about to|could) do (?:something|anything) (?:stupid|drastic)(?! (?:like|at|in|with))",
    r"(?:will not|not going to) be (?:around|here|alive|on this earth) (?:much longer|for (?:much )?longer|anymore|"
        r"any more|for long)",
    r"(?:will not|not going to) be (?:a )?(?:burden|problem|bother) (?:to (?:anyone|you|everyone|you all) |"
        r"for (?:anyone|you|much) )?(?:much longer|for (?:much )?longer|anymore|any more|soon|for long)",
    r"(?:this is|consider this) (?:my )?(?:last|final) goodbye|goodbye forever|(?:giving|give|"
        r"gave) away (?:all )?my (?:stuff|things|belongings|possessions|pets?)",
    r"(?:want|need|wish) (?:it all|everything|my life|life|all of this|all this|the whole thing) to (?:end|stop|"
        r"be over)",
    r"(?:want|need|wish) (?:it|the pain|this pain) to (?:end|stop|be over) (?:for good|forever|permanently)",
    r"(?:sleep|sleeping|go to sleep|fall asleep) and (?:never|not) wake up|(?:never|"
        r"not) (?:want to )?wake up (?:again|tomorrow)|hope i (?:do not|never|will not) wake up",
    r"kill (?:himself|herself|themselves|themself)",
    # not caring whether one lives, wishing never to have been born, dying as a wish
    r"(?:do not|would not|could not|does not|will not) care(?: less)? (?:if|whether) i (?:die|died|live|wake up|"
        r"am dead|end up dead|"
        r"get (?:hit|killed)|kill <SELF>|make it)",
    r"(?:wish|wished) i (?:would|had|was|were) (?:never|not) (?:been |be |have been )?born|should (?:never|not) "
        r"have been born",
    r"(?:feel|feeling|felt) like (?:dying|i should die|i should not (?:be here|exist|be alive)|ending it|killing "
        r"<SELF>|i want to die)(?! (?:of|from|after|when|laughing|with|in the))",
    r"<INTENT> (?:to )?jump(?:<END>| off\b| from\b| in front)|(?:am|i am|standing|stood|sat|sitting) (?:on|at) "
        r"(?:the )?(?:edge of (?:the|a) (?:roof|bridge|cliff|building|platform)|roof)(?: \w+){0,3} (?:and|to) "
        r"(?:jump|end it|i want to jump)",
    r"(?:do not|can not|no longer|not) see (?:a|any|much of a|my|me having a) future(?:<END>| for (?:me|<SELF>)|"
        r" ahead| anymore| any more)|(?:there is )?no future for me|i have (?:got )?no future",
    r"(?:hate|sick of|tired of|done with) (?:my life|life|living|being alive|everything)(?: \w+){0,4} (?:want|need|"
        r"wish) (?:it|it all) (?:to end|to stop|to be over|over)",
    r"i am (?:just |such |nothing but )?(?:a|such a) (?:huge |massive |total |complete )?burden (?:to|on|for) "
        r"(?:everyone|everybody|my family|my (?:kids|children|wife|husband|partner|parents|mum|dad|friends|carer)|"
        r"them|all of them|people|you all|those around me)",
    r"(?:researching|researched|research|looking up|looked up|googling|googled|searching|searched|reading up on|"
        r"read up on) (?:suicide |different |painless |quick |easy )?(?:methods|ways)(?:<END>| to do it| of doing it|"
        r" to go)|(?:painless|quick|quickest|easiest|surest|least painful) (?:way|"
        r"ways|method|methods) (?:to (?:die|go|kill <SELF>|end (?:it|my life)|do it)|of (?:dying|<SUI>))",
    r"how (?:to|do you|do i|can i|would i) (?:kill <SELF>|die (?:painlessly|quickly|in my sleep)|tie a noose|"
        r"bleed out|end my life)",
    r"<WISH> (?:to )?(?:just )?dye(?: (?:tonight|now|today|right now|so bad|so much|already|soon))*<END>",
    r"sui (?:ideation|thoughts|attempt)|(?:suicidal )?ideation",
    # "when i am gone", a decided day, the means at hand, knowing how: talk of a plan without the word
    r"(?:after|once) i am (?:gone|dead)|when i am (?:dead|no longer here|not here anymore)|(?:looked after|taken "
        r"care of|cope|manage|be fine|be ok|be better off|be happier|miss me|remember me|sorted|better off) when i am "
        r"gone",
    r"(?:had|have had|i have had) enough of (?:life|living|being alive|existing|this life)",
    r"(?:picked|chosen|set|decided on|planned) (?:the|a|my) (?:day|date|night|place|spot|method|way)<END>",
    r"(?:i have|got|i have got) (?:a |the )?(?:plan and (?:the )?means|means and (?:a )?plan)|(?:have|got) the means"
        r"<END>",
    r"(?:know|knew|thought about|think about|thinking about|planned|worked out|figured out) (?:exactly |just )?how "
        r"(?:i would|i will|i am going to|i could) do it(?! (?:better|next|properly|right|differently|again|"
        r"the exercise))",
    r"(?:will not|not going to|do not think i will|doubt i will|might not) (?:be|make it) (?:here|around|alive|to) "
        r"(?:tomorrow|next week|by (?:tomorrow|the weekend|next week)|my (?:next )?birthday|christmas)(?! (?:, )?"
        r"(?:because |as |cos |since )?(?:i am |we are |i will be )?(?:on|away|at|in|visiting|going|out|off|"
        r"working)\b)",
    r"not (?:planning|going) to (?:make it|be here|be around|live) (?:to|till|until|past|through)\b|"
        r"(?:will not|not going to|no longer) (?:have to|need to) (?:message|text|worry about|deal with|put up with|"
        r"bother with|look after|care for) me (?:much |for much )?(?:longer|anymore|soon)",
    r"(?:soon|not much longer|not for long) i (?:will not|will no longer|am not going to) be(?: (?:here|around|a "
        r"burden|a problem))?<END>",
    r"(?:go|going|gone|went|drive|driving|drove|walk|walking|walked|heading|head) (?:up )?(?:to|into|off) (?:the|a) "
        r"(?:bridge|cliffs?|cliff edge|railway|railway line|train tracks|tracks|sea|river|lake|canal|top of (?:the|a) "
        r"\w+)(?: \w+){0,3}? (?:tonight|and (?:i am )?(?:not|never) coming back|to end it|to jump|for the last time|"
        r"one last time|and (?:jump|end it))|walk (?:into|in to) the (?:sea|river|lake|water|ocean)",
    r"(?:looking at|looked at|researching|buying|bought) (?:ropes|a rope|rope)(?! (?:for|to) )|where to (?:tie|hang) "
        r"(?:it|a rope|the rope|<SELF>)",
    r"so (?:that )?(?:it (?:would|will|all) (?:end|be over)|i (?:would|will|could) (?:die|not wake up|never wake up))",
    # a future the patient is not in ("do not see myself being around by christmas"), a wish to sleep or drink
    # into death, "i am ending it", worth more dead, a crash imagined on purpose
    r"(?:do not|can not|could not|no longer) (?:see|picture|imagine) (?:myself|me) (?:still )?(?:being )?(?:around|"
        r"here|alive|living) (?:by|past|until|till|much longer|for much longer|for long|next (?:week|month|year)|this "
        r"time next|in (?:a|the) (?:year|few|month))\b(?! (?:\d|lunch|dinner|tea|noon|midday|bedtime|half|work))|(?:do "
        r"not|can not|could not) (?:see|picture|imagine) (?:myself|me) (?:making it|lasting|getting|surviving) (?:to|"
        r"through|past|till|until|much longer|the (?:week|night|year))(?! (?:the end of )?(?:the |this )?(?:session|"
        r"class|walk|run|workout|race|marathon|top|finish|course|programme))",
    r"(?:will not|not going to|do not think i will|doubt i will|might not) (?:be|make it) (?:here|around|alive) (?:by|"
        r"for|at|past|until|till) (?:christmas|new year|the new year|the end of (?:the|this) (?:week|month|year)|"
        r"summer|spring|next (?:week|month|year)|my birthday)(?! (?:, )?(?:because |as |cos |since )?(?:i am |we are |"
        r"i will be )?(?:on|away|at|in|visiting|going|out|off|working)\b)",
    r"(?:drink|drinking|drank|sleep|sleeping|take|taking|keep going|go on) (?:\w+ ){0,4}?(?:until|till|til) i (?:do "
        r"not|never|will not|can not|no longer) wake(?: up)?(?! (?:in pain|with|stiff|sore|early|late|at))|so (?:that "
        r")?i (?:never|will not|would not|do not) wake up(?: again| ever| tomorrow)?<END>|(?:drink|drinking|drank) "
        r"(?:\w+ ){0,4}?(?:until|till|til) i (?:die|am dead|stop breathing)",
    r"i am (?:just |finally |really )?ending (?:it|things|my life)(?: all| tonight| now| today| soon| for good)?<END>|"
        r"ending it all",
    r"worth more (?:to (?:them|my family|everyone|anyone|my kids) )?dead|(?:than|that) i am worth (?:alive|living)|"
        r"(?:life )?insurance (?:would|will|pays|pay|would pay)(?: out)?(?: \w+){0,5} (?:than i am worth|if i (?:die|"
        r"died|was dead|were dead|was gone|were gone|killed <SELF>)|when i (?:die|am dead|am gone))|(?:family|kids|"
        r"children|wife|husband|they) (?:would|will) (?:get|have) (?:the )?(?:life )?insurance (?:money )?(?:if|when) "
        r"i",
    r"(?:think|thinking|thought|fantasi[sz]\w*|tempted|urge|want|wanted|imagine|imagining|picture|picturing) (?:about |"
        r"of |to )?(?:driving|drive|crashing|crash|swerving|swerve|steering|steer|veering) (?:my car |the car |myself |"
        r"it )?(?:into|off|in front of) (?:a|the|an|oncoming)\b",
))

# German (content has a `de` locale): the commonest ways to say it, not a full second rule set.
GERMAN = Rule("suicidal ideation or self-harm (de)", risk=CRISIS, negated=CONCERN, patterns=(
    r"suizid\w*|selbstmord\w*|lebensmude|freitod",
    r"(?:will|mochte|mochte gern|wurde gern|wurde am liebsten) (?:einfach )?(?:nur )?(?:sterben|tot sein|"
        r"nicht mehr (?:leben|da sein|aufwachen))",
    r"(?:will|mochte|kann) nicht mehr (?:leben|weiterleben|da sein)|(?:ich )?will nicht mehr<END>|"
        r"keinen sinn mehr (?:zu leben|im leben)",
    # the verb last, as in a clause with "dass" or "weil", or in learner German: "dass ich nicht
    # mehr leben will", "ich nicht mehr will leben"; "besser ich bin weg"
    r"nicht mehr (?:leben|weiterleben|da sein) (?:will|mochte|kann|mag|wollen)\b|nicht mehr (?:will|mochte|mag) "
        r"(?:leben|weiterleben|da sein)|besser (?:ich bin|bin ich|ware ich|war ich) (?:weg|tot|nicht mehr da)<END>",
    # "keine kraft mehr zum weiterleben", "keine lust mehr aufs leben": no will left to live
    r"(?:keine|keinen|kein|koi|kei|null) (?:kraft|lust|energie|bock|luscht) (?:mehr |meh )?"
        r"(?:zum (?:weiter)?leben|(?:auf das|aufs) leben|zu leben|weiterzuleben|am leben)",
    # "ich bringe mich (heute nacht) um", "heute bringe ich mich um": the separable verb, with up
    # to four words between and "um" ending the clause ("um den schlaf bringen" is an idiom)
    r"(?:bringe|bring) (?:ich )?mich (?:(?!nicht |nie |niemals |doch nicht )\w+ ){0,4}?um(?:<END>| (?:ja|jetzt|"
        r"bald|heute|morgen|noch|einfach|wirklich))|mich (?:(?!nicht |nie |niemals )\w+ ){0,4}?(?:umbringen|toten|"
        r"umzubringen)|mir das leben nehmen|(?:meinem|mein) leben (?:ein )?ende (?:setzen|machen)",
    # "ich nehme mir (heute) das leben", shooting, a train: the other plain ways to say it
    r"(?:nehme|nehm) (?:ich )?mir (?:(?!nicht |nie |niemals )\w+ ){0,3}?das leben",
    r"(?:erschiesse|erschiess|erschiese) (?:ich )?mich|mich (?:(?!nicht |nie |niemals )\w+ ){0,3}?"
        r"(?:erschiessen|zu erschiessen)",
    r"(?:werfe|werf|schmeisse|schmeiss|lege|leg|sturze|sturz) (?:ich )?mich (?:(?!nicht |nie |niemals )\w+ ){0,3}?"
        r"(?:vor|unter) (?:den|einen|die|eine|das|ein) (?:zug|bahn|u-bahn|s-bahn|auto|lkw|bus|laster)",
    r"(?:keiner|niemand) wurde mich (?:\w+ )?vermissen|(?:ohne mich|wenn ich (?:weg|nicht mehr da) "
        r"(?:bin|ware)) (?:waren|ware|ist|sind|geht es) (?:alle|es|ihr|die anderen|allen|euch) (?:\w+ )?besser",
    # hanging: "ich häng mich (heute) auf", "ich erhänge mich", "mich aufhängen"
    r"(?:hange|hang) (?:ich )?mich (?:(?!nicht |nie |niemals )\w+ ){0,4}?auf(?:<END>| (?:ja|jetzt|bald|heute|"
        r"morgen|noch|einfach|wirklich))|(?:erhange|erhang) (?:ich )?mich|mich (?:(?!nicht |nie |niemals )\w+ )"
        r"{0,4}?(?:aufhangen|aufzuhangen|erhangen|zu erhangen)",
    r"(?:ritze|ritzen|schneide|verletze) mich|mich (?:ritzen|selbst verletzen|schneiden)|geritzt|selbstverletz\w*",
    # hurting oneself on purpose: "hab mir absichtlich kochendes wasser über die hand gekippt"
    r"(?:mir|mich) (?:\w+ ){0,4}?(?:absichtlich|mit absicht|bewusst) (?:\w+ ){0,6}?(?:verbrannt|verbruht|"
        r"geschnitten|gekippt|geschuttet|verletzt|aufgeschnitten|aufgekratzt|geschlagen|gebrochen)",
    r"(?:verbrenne|verbruhe|schlage|verletze|schneide) (?:ich )?mich (?:\w+ ){0,3}?(?:absichtlich|mit absicht|selbst)",
    r"(?:schmerzen|druck|stechen) in der brust|brustschmerz\w*|kann nicht (?:mehr )?atmen|bekomme keine luft",
    r"(?:er|sie|mein (?:mann|partner|freund|vater)|meine (?:frau|partnerin|freundin|mutter)) (?:schlagt|schlug|"
        r"hat) mich(?: geschlagen)?",
    # "mein mann hat gestern wieder zugeschlagen", "... hat mich gewürgt"
    r"(?:mein (?:mann|partner|freund|vater|sohn|ex|stiefvater|pfleger)|meine (?:frau|partnerin|freundin|mutter|"
        r"tochter|pflegerin)) hat (?:(?:gestern|heute|wieder|schon|erneut|mal|nochmal|abends|nachts|da) ){0,3}"
        r"(?:zugeschlagen|zugetreten)|(?:mein (?:mann|partner|freund|vater|sohn|ex|stiefvater|pfleger)|meine (?:frau|"
        r"partnerin|freundin|mutter|tochter|pflegerin)) hat mich (?:\w+ ){0,2}?(?:geschlagen|getreten|gewurgt|"
        r"geschubst|gestossen|eingesperrt|bedroht|verprugelt)",
))

SELF_HARM = Rule("self-harm", risk=CRISIS, negated=NONE, past=CONCERN, others=NONE, patterns=(
    r"(?:self ?harm\w*|self (?:injur\w*|mutilat\w*))(?! (?:awareness|prevention|training|policy|module|course|"
        r"workshop|leaflet|charity|research|services?|team|lecture|talk|poster))|sh (?:urges|thoughts|relapse)",
    # cutting, burning and punching walls told without the word "myself"
    r"(?:been|started|start|keep|kept|i am|i was|back to|gone back to|went back to) cutting(?: (?:again|lately|"
        r"recently|more|every (?:day|night)))*(?:<END>| again)",
    r"(?:burn|burned|burnt|burning|burns) (?:<SELF>|my (?:skin|arms?|wrists?|legs?|thighs?|hands?|stomach|body)) "
        r"(?:with|using) (?:a |my |the )?(?:cigarette|cig|fag|lighter|lighters|matches|hot knife|hot metal)",
    r"(?:cut|cutting|burn|burned|burnt|burning|hurt|hurting|hit|hitting|punch|punched|punching|scratch\w*|bit|bite|"
        r"biting|bruis\w*|stab\w*|smash\w*|bang\w*|slam\w*) (?:<SELF>|(?:my|the|a) (?:(?:bad|good|sore|own|brick|"
        r"left|right|bedroom) )?(?:<BODY>|skin|knuckles|wrists?|head|stomach|fists?|wall|walls|door)) "
        r"(?:\w+ ){0,6}?(?:on purpose|deliberately|intentionally)",
    r"(?:punch\w*|hit|hitting|bang\w*|smash\w*|scratch\w*|bit|bite|biting|bitten|pick\w*) (?:<SELF>|my (?:own "
        r")?(?:<BODY>|"
        r"skin|head|wrists?|nails)|(?:the |a )?walls?)(?: \w+){0,4}? (?:until|till|til) (?:it |they |i |my \w+ )?"
        r"(?:bled|bleed|bleeds|bleeding|was bleeding|were bleeding|started bleeding|bruised|broke|split)",
    r"(?:held|hold|holding|pressed|press|pressing|put|putting) (?:a |the |my )?(?:hot )?(?:lighter|hot knife|knife|"
        r"blade|razor|"
        r"flame|cigarette|iron|hand|arm|fingers?)(?: \w+){0,2}? (?:to|against|on|onto|into|over) (?:my |"
        r"the )?(?:<BODY>|"
        r"skin|wrists?|hob|flame|fire|stove|cooker)(?: \w+){0,4}? (?:on purpose|deliberately|until|till|to feel|to "
        r"punish)|(?:lighter|hot knife|blade|razor|cigarette|flame) (?:to|against|on|into) my (?:<BODY>|skin|wrists?)",
    r"(?:sliced|slice|slicing|carved|carve|carving|gouged) (?:into )?(?:my|me) (?:<BODY>|skin|wrists?|stomach|hips?)|"
        r"(?:used|use|using) (?:a |the |my )?(?:\w+ )?(?:knife|blade|razor|scissors|glass|lighter|compass) (?:on|to|"
        r"against) (?:my (?:<BODY>|skin|wrists?|stomach)|<SELF>)",
    r"(?:reopened|reopen|re opened|opened up) my (?:cuts|wounds|scars)|cut (?:deeper|too deep|so deep)(?: than "
        r"(?:usual|before|ever|normal|last time)| this time)|(?:fresh|new|deep|open) cuts (?:on|all over) my (?:<BODY>|"
        r"wrists?|skin|stomach|hips?)(?! from)|made <SELF> (?:bleed|bruise)",
    r"(?:hit|punch|punched|slap|slapped) <SELF> (?:in the face|in the head|over and over|repeatedly|hard)(?! with)|"
        r"(?:hit|punch|slap|hurt|hurting|cut|cutting) <SELF> when (?:i get|i am|no one|nobody|things)",
    r"(?:hurt|hurting|harmed|harm) <SELF> again(?! (?:doing|during|on|in|at|lifting|with|by|when|while|exercising|"
        r"walking|running|playing|gardening|falling)\b)|(?:i|and|then|have|just) (?:cut|self harmed) again|"
        r"<START>sh (?:again|last night|tonight|today)",
    r"did it again(?: ,)? (?:my (?:arms?|wrists?|legs?|thighs?|skin)|(?:\w+ ){0,3}(?:cuts|blood|bleeding))",
    r"(?:cut|cuts|cutting|burn|burning|burnt|burned|harm|harming|scratch\w*|punch\w*|hit|hitting|starv\w*|"
        r"bruis\w*) <SELF> (?:\w+ ){0,3}?(?:again|on purpose|deliberately|intentionally|to (?:feel|cope|punish|make)|"
        r"until|till|"
        r"til)",
    r"(?:been|keep|kept|started|start|have been) (?:hurting|harming|cutting|burning|hitting|"
        r"punishing) <SELF>(?! (?:doing|during|on the|in the|when|while|with (?:the|these|this|that) (?:exercise|"
        r"exercises|stretch|weights)|by (?:doing|overdoing|pushing)|lifting|exercising|running|walking|stretching|"
        r"training|at the gym))",
    r"(?:hurt|hurting) <SELF> (?:on purpose|deliberately|intentionally|to (?:feel|cope|punish|make))",
    r"<INTENT> (?:to )?<HARM> <SELF>(?! (?:doing|during|on the|in the|when|while|if|by (?:doing|overdoing|pushing)|"
        r"lifting|exercising|running|walking|stretching|training|at the gym|with (?:the|these|this|that) (?:exercise|"
        r"exercises|stretch|weights)))",
    r"(?:cut|cutting|cuts) <SELF>(?! (?:on|with (?:a|the) (?:knife|paper|glass|tin|can)|(?:while|when) (?:i was |"
        r"i am )?(?:shaving|cooking|chopping|opening|gardening|slicing|making|doing|cutting|preparing)|by accident|"
        r"accidentally|shaving|cooking|chopping|opening|in the kitchen|gardening|slicing|doing|at work|making))",
    r"(?:cut|cuts|cutting|slash\w*|slit\w*|carv\w*) (?:my|me) (?:arms?|wrists?|legs?|thighs?|skin|stomach|body|"
        r"hips?)(?! (?:on|with (?:a|the) (?:knife|paper|glass)|while|when|by accident|accidentally|shaving|cooking|"
        r"chopping|in the kitchen|gardening|at work))",
    r"<INTENT> (?:to )?(?:cut|self harm|harm)(?: again)?<END>|<INTENT> (?:to )?cut (?:again|tonight|so bad|so badly|"
        r"really bad|right now)",
    r"(?:been|keep|kept|started|start) (?:burning|cutting|scratching|hitting|slashing) my (?:arms?|wrists?|legs?|"
        r"thighs?|skin|stomach|body)",
    r"(?:urge|urges|craving|cravings|itching) (?:to|for) (?:cut|self harm|harm <SELF>|hurt <SELF>|cutting|burn <SELF>)",
    r"(?:relapsed|relapse|relapsing) (?:on|with|into) (?:self harm|cutting|harming)",
    r"(?:razor|razors|blade|blades) (?:on|to|against) my (?:skin|arm|arms|wrist|wrists|legs?)",
))

VOICES = Rule("hearing voices", risk=CRISIS, negated=NONE, past=CONCERN, patterns=(
    r"(?:voices?|someone in my head|something in my head) (?:is |are |keep |keeps )?(?:telling|tell|told|saying|"
        r"ordering|making|commanding) me to|hearing voices|hear voices",
))

VIOLENCE = Rule("violence to others", risk=CRISIS, negated=NONE, joking=NONE, patterns=(
    r"(?:kill|killing|murder|murdering|stab|stabbing|shoot|shooting|strangle|strangling|choke|choking|poison|"
        r"poisoning|beat up|beating up|batter|battering|smother|smothering|drown) <PEOPLE>(?! up| out|"
        r" with (?:kindness|questions|love)| (?:a|an) (?:message|text|email|line|note|quick))",
    r"(?:<INTENT>|could|will|would|might|urge to|thoughts of|thoughts about|imagining|picturing) (?:to |how to )?"
        r"(?:hurt|hurting|hit|hitting|"
        r"punch|punching|attack|attacking|harm|harming|slap|slapping|kick|kicking|smack|smacking|shake|shaking|beat|"
        r"beating) <PEOPLE>(?! up\b| at \w+| back\b| with (?:a )?(?:question|message|text|call)| (?:feelings|feeling|"
        r"pride|chances))",
    r"i (?:hit|punched|slapped|kicked|hurt|smacked|shook|attacked|strangled|choked) (?:my )?(?:son|daughter|kids?|"
        r"children|child|baby|wife|husband|partner|mum|mom|dad|mother|father|girlfriend|boyfriend)(?! (?:feelings|"
        r"by accident|accidentally))",
    r"(?:harm|hurt|hurting|harming|danger|dangerous) (?:to )?(?:others|other people|my (?:kids|children|baby))",
    r"violent (?:thoughts|urges|fantasies)|(?:thoughts|urges|fantasies) (?:of|about) (?:violence|hurting (?:people|"
        r"others|someone|my baby|the baby|my kids))",
    r"(?:got|have|bought|get|buy|buying|getting) a (?:gun|shotgun|rifle|firearm)",
    r"(?:use|using|used) (?:it|the knife|a knife|the bat|a bat|the gun|a gun|the hammer) on <PEOPLE>|(?:got|have|"
        r"bought|buy|buying|carrying|taking|bring|bringing|take|took|brought) (?:a|the|my) (?:knife|blade|bat|machete|"
        r"gun|hammer|weapon)(?: \w+){0,4}? (?:to use on|to (?:hurt|kill|stab|get|sort out) <PEOPLE>|(?:to|"
        r"into) (?:the )?"
        r"(?:group|session|class|meeting))",
    r"(?:push|pushing|pushed|throw|throwing|threw|shove|shoving|shoved) <PEOPLE> (?:down the stairs|off (?:the|a)|"
        r"under|in front of)|(?:beat|beating|batter) <PEOPLE> up|(?:beat|kick|knock|punch) the (?:hell|shit|crap|"
        r"living "
        r"daylights|life) out of <PEOPLE>(?! at)|(?:make|making) <PEOPLE> (?:bleed|suffer)",
    r"(?:burn|burning|torch|torching) (?:his|her|their) (?:house|home|flat|car|place)|(?:set|setting) fire to (?:his|"
        r"her|their|the neighbours?) (?:house|home|flat|car|place)|set (?:him|her|them) on fire|(?:sort|sorting) "
        r"(?:him|her|them) out (?:with|using) (?:a|my|the) (?:bat|knife|hammer)",
    r"(?:hit|punched|slapped|kicked|hurt|smacked|shook|attacked|strangled|choked|pushed|shoved|threw|beat) (?:my |the )"
        r"?(?:son|daughter|kids?|children|child|baby|wife|husband|partner|mum|mom|dad|mother|father|girlfriend|"
        r"boyfriend)(?! (?:feelings|by accident|accidentally|at|in (?:the )?(?:game|quiz|race|chess|cards)|playfully|"
        r"under the table|out|off|s\b))",
    r"(?:planning|plan|planned|imagining|picturing|fantasi[sz]ing about) (?:how to |about )?(?:hurt|hurting|kill|"
        r"killing|attack|attacking|stab|stabbing) <PEOPLE>",
    # a group named without "my" ("the lads who bully me"), a weapon brought in
    r"<INTENT> (?:to )?(?:really |badly |seriously )?(?:hurt|stab|kill|attack|beat up|batter) (?:the|those|these) "
        r"(?:lads|boys|girls|kids|people|guys|men|women|bullies)(?= (?:who|at|in|from|that)\b)",
    r"(?:thought|thinking|think|thought about|planning|plan|going) (?:about |of |to )?(?:bringing|bring|taking|take|"
        r"carrying|carry) (?:something|a knife|a weapon|a blade|a bat|a hammer) (?:in|into school|to school|to work|"
        r"with me)<END>",
    r"(?:smash|punch|kick|bash|cave|knock|beat|break|stamp on|rip|tear) (?:his|her|their|your|that (?:guy|man|"
        r"woman)s) (?:stupid |fucking |bloody )?(?:face|head|teeth|skull|jaw|nose|neck|legs|kneecaps|throat)"
        r"(?: (?:in|off|out))?",
))

ABUSE = Rule("abuse or unsafe at home", risk=CRISIS, negated=NONE, patterns=(
    r"<ABUSER> (?:hits|hit|beats|beat|beat up|kicks|kicked|punches|punched|slaps|slapped|chokes|choked|strangles|"
        r"strangled|pushes|pushed|shoves|shoved|shook|pinches|pinched|bites|bit|drags|dragged|throws|threw|threatens|"
        r"threatened|abuses|abused|rapes|raped|touches|touched|"
        r"grabbed|grabs|burns|burned|attacked|attacks|hurts|hurt|is hurting|is hitting|keeps hitting|keeps hurting|"
        r"spits on|spat on) me(?! (?:up|back|about|at chess|at cards|in the (?:quiz|game|race))|"
        r"(?: in the \w+)? (?:playing|by accident|accidentally|in (?:his|her|my) sleep|when (?:we|i) (?:were|"
        r"was) playing))",
    r"they (?:hit|hits|beat|beats|kicked|punched|slapped|choked|strangled|raped|attacked|abused) me",
    # threats to kill me, hurt at home by "someone", marks left by a carer or partner
    r"(?:<ABUSER>|they|someone|somebody) (?:said|says|told me|swore|keeps saying|kept saying|has said|screamed|"
        r"shouted)(?: that)? (?:he|she|they) (?:would|will|is going to|was going to|are going to|were going to|wants "
        r"to|going to) (?:kill|hurt|stab|beat|shoot|strangle|get) me(?! (?:if|when|for|lol|haha))|(?:kill|hurt|stab|"
        r"beat|get) me if i (?:tell|told|leave|left|go|went|call|called|talk|talked|report|reported|speak|spoke|say|"
        r"said|try|tried|ever)",
    r"(?:someone|somebody|people|a man|<ABUSER>|they) (?:is|are|keeps|keep|has been|have been) (?:hurting|hitting|"
        r"beating|abusing|kicking|punching|choking|strangling|touching) me(?! (?:up|with (?:questions|messages)))",
    r"(?:bruises?|marks|injuries|burns|scratches|welts) (?:\w+ ){0,3}?(?:from|because of|off) (?:my |the )?(?:carer|"
        r"caregiver|care worker|husband|wife|partner|boyfriend|girlfriend|ex|dad|father|mum|mom|mother|stepdad|"
        r"son|daughter|brother|sister|him|her)\b|(?:where|when) (?:he|she|they|<ABUSER>) (?:grabbed|hit|"
        r"kicked|punched|pinched|squeezed|held|pushed|dragged|choked) me",
    r"<ABUSER> (?:left|leaves|gave|gives) (?:me )?(?:bruises|marks|burns|a black eye|a split lip)",
    r"(?:handles|handled|treats|treated) me (?:roughly|badly|like dirt)|<ABUSER> (?:is|gets|got|was) (?:really |so )?"
        r"rough with me|covered in bruises(?! (?:from|after) (?:the|my|a) )",
    r"(?:<ABUSER>|someone|they)(?: \w+){0,8}? trying to get (?:in<END>|in (?:and|,)|into (?:my|the|our) (?:house|flat|"
        r"home|room))|(?:<ABUSER>|someone|they) (?:smashed|broke|kicked in|kicked down) (?:my|the|our) (?:window|door|"
        r"windows|doors)",
    r"<ABUSER> (?:took|takes|hides|hid|smashed|broke|keeps) my (?:phone|keys|passport|medication|meds|bank card)(?! "
        r"(?:charger|to (?:fix|the))| (?:\w+ ){0,6}?(?:for me|because i (?:forget|keep forgetting)|so i (?:do not|can "
        r"not) "
        r"(?:forget|lose)))|<ABUSER> (?:locked|locks) (?:the |all the )?doors?|"
        r"<ABUSER> controls (?:everything|"
        r"my (?:life|money|phone|every move))",
    r"hiding (?:in|under|behind) (?:the |my )?\w+ from (?:him|her|them|my \w+)|hiding from (?:him|her|my (?:husband|"
        r"partner|ex|dad|boyfriend|girlfriend|wife))|(?:scared|afraid|terrified|frightened) (?:of )?what (?:<ABUSER>|"
        r"they) (?:will|might|would|could) do",
    r"(?:is not|not) safe for me(?! to (?!go (?:home|back)))|violence (?:at|in (?:my|the|our)) (?:home|house|flat)",
    r"(?:put|puts|had|has|wrapped) (?:his|her|their|both) hands? (?:around|round|on) my (?:neck|throat)",
    r"(?:<ABUSER>|they) (?:threatens|threatened|is threatening|keeps threatening|has threatened) to (?:kill|hurt|hit|"
        r"beat|stab|take the kids)",
    r"(?:do not|not|never|no longer) (?:feel |feeling )?safe (?:at home|in my (?:own )?(?:home|house|flat|room|bed)|"
        r"in (?:the|this|our) (?:house|home|flat)|with (?:him|her|them|my \w+)|around (?:him|her|them|my \w+)|"
        r"to go home|going home|when (?:he|she) (?:is|gets) home)",
    r"unsafe (?:at|in my) (?:home|house|flat)",
    r"(?:scared|afraid|terrified|frightened) (?:to go|of going|to be|of being) (?:back )?(?:home|at home|"
        r"alone with (?:him|her))",
    r"(?:scared|afraid|terrified|frightened) of (?:him|her|my (?:husband|wife|partner|boyfriend|girlfriend|ex|dad|"
        r"father|mum|mom|mother|stepdad|stepfather|stepmum|brother|son|daughter|carer))(?! (?:finding out|seeing|"
        r"being disappointed|worrying))",
    r"(?:domestic|family) (?:violence|abuse)|abusive (?:husband|wife|partner|relationship|boyfriend|girlfriend|ex|"
        r"home|parent|dad|mum|father|mother|family|carer)",
    r"(?:being|been|was|got|getting|am) (?:abused|raped|sexually assaulted|assaulted|molested|beaten up|attacked|"
        r"groomed)(?! by (?:the|a) (?:flu|cold|bug|virus|wave|fatigue|reality|tiredness))",
    r"(?:<ABUSER>|they) (?:will not|does not|do not|would not|never) let me (?:leave|go out|go anywhere|see (?:my|"
        r"anyone|friends)|call|phone|ring|contact|eat|sleep|have (?:money|my phone)|talk to)",
    r"(?:locks|locked|lock) me (?:in|out)(?! of (?:my|the) (?:account|app))|controls (?:all )?my (?:money|phone|"
        r"bank card)|(?:takes|took) (?:all )?my money",
    r"(?:keeps|keep|been|is|are|was|and|started) (?:threatening|harassing|stalking) me|(?:stalking|stalks) me",
    r"(?:forced|forces|makes|made) me (?:to )?(?:have sex|do (?:sexual )?things)",
    # a conditional threat ("said if i go again he will kill me"), someone at home hurting me, rough handling that
    # leaves bruises, strangling by anyone, a partner named without "my" ("bf choked me")
    r"(?:husband|wife|partner|boyfriend|girlfriend|ex|stepdad|stepfather|he|she|they) (?:said|says|told me|swore|"
        r"threatened|keeps saying|kept saying|screamed|shouted|warned me)(?: that)? if i(?: \w+| ,){1,8}? (?:he|she|"
        r"they) (?:will|would|is going to|was going to|are going to|going to) (?:kill|hurt|stab|beat|shoot|strangle|"
        r"hit|break) (?:me|my)(?! (?:lol|haha|jk))|kill me(?: \w+| ,| \.){0,3} (?:he|she|they) (?:means|meant|mean|was "
        r"serious|is serious|are serious)",
    r"(?:someone|somebody|a person|people|a family member|the person i live with|someone i live with)(?: (?:at home|in "
        r"(?:my|the|this|our) (?:house|home|family|flat)|i live with|here|close to me))? (?:is|are|keeps|keep|has been|"
        r"have been|was) (?:\w+ )?(?:hurting|hitting|beating|abusing|kicking|punching|choking|strangling|touching) "
        r"me(?! (?:up|with (?:questions|messages)))|(?:hurts|hits|beats|abuses|kicks|punches) me (?:at home|every "
        r"(?:day|night|week)|when (?:he|she|they) (?:is|are|gets?|get) (?:drunk|angry|home|mad))",
    r"<ABUSER>(?: \w+| ,){0,6}? (?:grab|grabs|grabbed|squeez\w*|twist\w*|yank\w*|pull\w*|pinch\w*|push\w*|shov\w*|"
        r"drag\w*) (?:me |my )(?:\w+ ){0,2}?(?:hard|roughly|so hard|too hard|violently|until it hurt\w*|till it "
        r"hurt\w*|and (?:it )?hurt\w*|(?:\w+ ){0,4}?bruis\w*)|<ABUSER>(?: \w+| ,){1,10} (?:i have|i have got|i got|"
        r"left me with|leaves me with|i am covered in) (?:\w+ )?bruises(?! (?:from|after) (?:the|a|my) (?:fall|op|"
        r"operation|surgery|exercise|session|injection|bloods))",
    r"(?:boyfriend|girlfriend|husband|wife|partner|ex|ex boyfriend|ex girlfriend|ex husband|ex wife|carer) (?:hit|hits|"
        r"beat|beats|kicked|kicks|punched|punches|slapped|slaps|choked|chokes|strangled|strangles|shoved|pushed|threw|"
        r"attacked|raped|hurt) me(?! (?:up|back|at|in the (?:quiz|game|race))\b)",
    r"(?:someone|somebody|they|he|she)(?: \w+)? (?:choked|strangled|suffocated|smothered) me(?! up\b)|(?:tried to|"
        r"trying to|tries to) (?:choke|strangle|suffocate|smother) me",
))

SUBSTANCE = Rule("substance relapse", risk=CRISIS, negated=NONE, past=CONCERN, patterns=(
    r"relaps\w*(?! prevention| plan)",
    r"(?:drinking|drank|drunk|using|used|injecting|injected|shooting up|snorting|snorted|smoking (?:weed|crack|meth|"
        r"heroin)|taking (?:drugs|coke|heroin)|took (?:drugs|coke|heroin)) (?:heavily )?again",
    r"(?:back on|started|start|starting|went back to|going back to|gone back to|turned to|"
        r"turning to) (?:the )?(?:drink|booze|bottle|drugs|heroin|coke|cocaine|crack|meth|vodka|alcohol|gear|smack|"
        r"sauce|charlie|brown|pills|benzos|the gambling and the drinking|"
        r"drinking(?:<END>| again| heavily| every| alcohol| wine| beer| vodka| spirits| a lot| too much))",
    r"fell off the wagon|(?:broke|broken|lost|ruined|blew|blown) my (?:sobriety|clean time|streak)|i am (?:no longer|"
        r"not) (?:sober|clean)",
    r"(?:i (?:got|was|am|have been|been|get|keep getting)|got|getting) (?:so |really |completely )?(?:drunk|wasted|"
        r"blind drunk|"
        r"high|stoned|hammered|plastered|blackout drunk|off my face|off my head|off my tits)(?! (?:up|on (?:the|"
        r"a) (?:ladder|shelf)|scores?|marks|five|fives|pressure|blood))",
    r"(?:binge|binged|bingeing|binging) (?:drink\w*|drank|on (?:alcohol|booze|vodka|wine|beer|cocaine|coke|drugs))",
    r"(?:went back to|gone back to|going back to|back to|started) using(?! (?:the|my|a|it|this|that|an|your)\b)",
    r"drinking (?:all day|since (?:this )?morning|since (?:lunch|lunchtime|breakfast|noon|midday)|from the morning|"
        r"all night|"
        r"non stop|before breakfast|"
        r"in the morning again)",
    r"blackout drunk|blacked out drunk|drank (?:until|till|til) i (?:blacked out|passed out|was sick)",
    r"(?:drank|drunk|downed|finished|drinking) (?:a|the|an|half a|two|2|three|3) (?:whole |entire |"
        r"full )?(?:bottles?|litre|liter|fifth) of (?:vodka|whisky|whiskey|gin|rum|spirits|wine|tequila)",
    r"(?:taking|took|take|taken|been taking|having) (?:extra|more|double|too many|too much)(?: of)? (?:my |the )?"
        r"(?:oxycodone|oxycontin|oxy|morphine|fentanyl|opioids|opiates|codeine|tramadol|diazepam|valium|xanax|benzos)",
    r"(?:buy|buying|bought|got|getting|score|scored|scoring) (?:\w+ ){0,3}?(?:off|on|from) the (?:street|streets|dark "
        r"web)|street (?:drugs|pills|valium|benzos)|(?:from|off) (?:a|my|the) dealer|to get (?:high|wasted|off my face|"
        r"a buzz)|(?:from|off) (?:my )?old dealer|(?:got|bought|scored|buying|getting) (?:some )?(?:pills|tablets|"
        r"gear|stuff|drugs|benzos|valium|xanax|blues) (?:off|from) (?:a|some) (?:guy|bloke|man|lad|stranger|random)",
    r"drank <SELF> (?:unconscious|into a stupor|stupid|to sleep|sick|silly)|drink <SELF> to death|(?:drink|drinking|"
        r"drank|drunk) (?:\w+ ){0,3}?(?:until|till|til) i (?:pass out|passed out|black out|blacked out|was sick|"
        r"am sick|"
        r"can not remember|could not stand)",
    r"(?:hooked|addicted|dependent) (?:on|to) (?:the |my )?(?:<DRUGS>|drugs|alcohol|booze|drink|heroin|coke|cocaine|"
        r"crack|meth|ketamine|spice|weed|gambling)|(?:on|been on|went on|go on|going on) a (?:\w+ day )?(?:bender|"
        r"binge)(?! watch)",
    r"(?:snorting|snorted|smoking|smoked|took|taking|did|doing|using|used|injected|injecting|bought|buying|scored) "
        r"(?:some )?(?:coke|cocaine|crack|heroin|meth|ketamine|ket|spice|speed|mdma|gear|drugs(?! (?:for|from|the "
        r"doctor|my doctor)))",
    r"(?:can not|could not) (?:get through|cope|manage|function|sleep|start) (?:the day |the night |a day )?without "
        r"(?:a )?(?:drink|alcohol|booze|vodka|wine|drugs|a hit|a fix|using)|(?:could not|can not) stop <SELF>(?: \w+)"
        r"{0,3}? (?:drink|drinking|using|had a drink)",
    r"(?:a|one|two|half a) (?:bottle|litre) of <ALCOHOL> (?:a|every|each) (?:day|night)|(?:using|injecting|snorting) "
        r"(?:every day|daily|every night|all the time)|drinking since i (?:woke|got) up",
    r"(?:used|took|did|bought|scored|buying|score) (?:some )?(?:heroin|coke|cocaine|crack|meth|ketamine|mdma|spice|"
        r"fentanyl|smack)",
))

MEDICATION = Rule("stopped medication", risk=CRISIS, negated=NONE, unless_before=(
    r"(?:doctor|doc|gp|psychiatrist|consultant|nurse|pharmacist|prescriber|specialist|dr \w+)"
    r"(?: has| had| just| said i can| said i could| told me to| advised me to)?(?: [a-z]+)? $"
    r"|(?:told|advised|asked) me to $|said i (?:can|could|should) $|(?:when|should|can|could) i $"
    r"|(?:taper\w*|wean\w*|weaning|gradually|slowly) $"
), patterns=(
    r"(?:stopped|stopping|stop|quit|quitting|ditched|ditching|binned|dumped|flushed|flushing|threw away|"
        r"throwing away|thrown away|threw out|thrown out|throwing out|chucked out|chucked|came off|come off|coming off|"
        r"gone off|went off|given up|gave up|giving up|"
        r"refuse to take|refusing to take|refused to take|off) (?:taking )?(?:all )?(?:of )?(?:my |the |these |"
        r"those |all my )?<MEDS>",
    r"(?:threw|thrown|throwing|binned|chucked|flushed) (?:all )?(?:of )?(?:my |the |these )?<MEDS> (?:away|out|"
        r"down the (?:toilet|loo|sink)|in the bin)",
    r"not (?:taking|been taking) (?:my |the |any of my |any )?<MEDS> (?:anymore|any more|at all|for (?:days|weeks|"
        r"a week|a few days|ages|a while|a month|\w+ days|\w+ weeks)|since)",
    r"(?:have not|have not been|not) (?:taking|taken|took|had|having) (?:my |the |any of my |any )?<MEDS> (?:(?:for|"
        r"in|since) (?:about |over |nearly |almost |around |like |more than )?(?:days|weeks|a week|a few days|ages|a "
        r"while|a month|\w+ days|\w+ weeks|last \w+)|this week|"
        r"all week|since (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|christmas|easter|then|\d+\w*|"
        r"the (?:weekend|start|beginning|holiday)))",
    r"(?:skip\w*|miss\w*|not taking|stopped) (?:taking )?(?:my |the )?<MEDS> (?:on purpose|deliberately|"
        r"intentionally)|(?:come|coming|came|going) off (?:everything|all (?:of )?(?:my )?(?:meds|medication|tablets|"
        r"pills)|all of it)|<MEDS> (?:are|is|went|all went|have gone) (?:in|into|down) the (?:bin|toilet|loo|sink|"
        r"rubbish)",
    r"(?:skipping|skipped|missed|missing|not taken|not taking|have not taken) (?:my |the )?<MEDS> (?:for|in|since) "
        r"(?:a fortnight|days|weeks|a week|\w+ days|\w+ weeks|a month|ages|a while)|not (?:bothering|bothered) (?:with|"
        r"taking) (?:my |the )?<MEDS>",
    r"(?:do not|no longer|not going to) (?:need|take|want) (?:my |the |these |those )?<MEDS> (?:anymore|any more)|"
        r"(?:done|finished) with (?:my |the |taking (?:my )?)?<MEDS>",
))

MEDICAL = Rule("acute medical symptoms", risk=CRISIS, negated=NONE, past=NONE, asking=CONCERN, patterns=(
    r"chest pains?|pains? in (?:my|the) chest|chest (?:is |feels )?(?:crushing|crushed|being crushed|on fire)|"
        r"heart (?:is )?giving out|(?:my )?chest (?:has been |keeps |started |have been )?(?:hurts|is hurting|hurting|"
        r"aching|feels tight|is tight|went tight|tight(?: since| and| for)|"
        r"tightness|pressure|feels heavy|is heavy|pains|aches?|aching|is aching|is sore|feels crushed)|chest (?:is |"
        r"feels |has been |went |getting )(?:<MUCH> )+(?:tight|heavy|painful|crushed)",
    r"tight(?:ness)? (?:in )?(?:my |the )?chest|crushing (?:pain|feeling|sensation)|pressure (?:in|on) my chest",
    r"pain (?:spreading|radiating|going|shooting|travelling|traveling) (?:down|into|to|up) (?:my )?(?:left )?(?:arm|"
        r"jaw|neck)",
    r"(?<!gave me a )(?<!give me a )(?<!giving me a )heart attack|cardiac arrest",
    r"(?:having|think i (?:am having|had|have had|just had)|i just had|just had|signs of|i think it is|"
        r"might be having|could be having|i am having) (?:a )?(?:stroke|seizure|fit|heart attack|mini stroke|tia|"
        r"blood clot|clot)",
    r"had a (?:seizure|fit|heart attack|blackout) (?:today|this morning|last night|yesterday|just now|earlier|tonight)",
    r"(?:can not|could not|struggling to|unable to|can hardly|can barely|could hardly|could barely) breathe?|gasping "
        r"for (?:air|breath)",
    r"(?:new|sudden|suddenly) (?:numbness|weakness|numb|weak|tingling|pins and needles|loss of feeling)",
    r"(?:can not|could not) (?:feel|move) my (?:<BODY>|whole)|(?:can not|could not) (?:feel|move) (?:the |"
        r"one )?(?:left |"
        r"right )?(?:side|half) of my (?:face|body)",
    r"(?:numb|numbness|no feeling|weak|weakness|drooping) (?:on|down|in) (?:the |my )?(?:left |right )?(?:side|"
        r"half) of my (?:face|body)|(?:left|right) side (?:of my (?:face|body) )?(?:is |has gone |went )?(?:numb|"
        r"weak|droopy|drooping)",
    r"(?:lost|losing|loss of|no|no more) (?:all )?(?:feeling|sensation|control|strength|power) (?:in|of|"
        r"over) (?:my )?(?:<BODY>|bladder|bowels?)",
    r"(?:can not|could not|unable to) (?:control|hold) (?:my )?(?:bladder|bowels?|pee|wee|poo)",
    r"(?:face|mouth|smile) (?:is |was |has gone |went )?(?:drooping|droopy|lopsided|dropped)|slurred (?:speech|"
        r"words)|(?:speech|words) (?:is |are |was |went |sounds? |are all |is all |keep |keeps )?slurr(?:ed|ing)|"
        r"slurring (?:my |his |her |their )?words|"
        r"(?:can not|could not) (?:speak|talk|get my words out) properly",
    r"(?:sudden|suddenly|worst|severe|thunderclap|explosive) (?:\w+ )?headache|worst (?:pain|headache) (?:ever|"
        r"of my life|i have ever|"
        r"in my life)",
    r"(?:severe|extreme|excruciating|unbearable|agonising|agonizing|crippling|intolerable|blinding) (?:new |"
        r"sudden )?pains?",
    r"pain (?:in (?:my |the )?\w+ )?(?:is|was|has been|got|feels|became|is now) (?:so |really |absolutely |just )?"
        r"(?:severe|excruciating|"
        r"unbearable|agonising|agonizing|crippling|intolerable)",
    r"pain (?:is |at |was |of |about |like )?(?:a )?(?:9|10|nine|ten) (?:out of |outta |over |on )?(?:10|ten)|(?:10|"
        r"ten) (?:out of )?(?:10|ten) pain",
    r"cough(?:ing|ed)? (?:up )?(?:some |a bit of |a little |bits of |bright red )?blood|cough\w*(?: \w+| ,){1,8}? "
        r"blood (?:in|on) (?:the|my) (?:tissue|hanky|sink|pillow|hand)|(?:vomit\w*|throwing up|threw up|puking|puked|"
        r"sick) (?:up )?blood|"
        r"blood in (?:my )?(?:pee|urine|poo|stool|vomit|sick)",
    r"(?:fainted|fainting|passed out|blacked out(?! (?:the|my|all the) (?:dates|names|text|windows|screen|details|"
        r"words))|collapsed|lost consciousness|lose consciousness|keep fainting|keep passing out)(?! (?:on|"
        r"in front of|in) (?:the )?(?:sofa|couch|bed|tv|chair|settee)| (?:from|with|of) (?:boredom|laughter|"
        r"laughing))",
    r"(?:fell|fallen|had a fall|tripped)(?: over| down)?(?: and| but| ,)?(?: now)?(?: i)? (?:can not|could not) "
        r"(?:get up|stand|move|walk|put weight)",
    r"(?:broke|broken|fractured|dislocated|snapped) my (?:leg|arm|ankle|wrist|hip|knee|shoulder|elbow|foot|"
        r"collarbone|ribs?|back|neck|pelvis|femur)|bone (?:is )?sticking out",
    r"allergic reaction|(?:throat|tongue|lips?) (?:is |are )?(?:swelling|closing|swollen up)|anaphyla\w*",
    r"(?:calf|leg) (?:is |are )?(?:swollen|red|hot|warm|big|puffy)(?: ,| and)+ (?:swollen|red|hot|warm|painful|tender)",
    # breathing pain, one-sided weakness, sight loss, blue lips, a cold white foot, a head injury with vomiting,
    # an infected or opened wound
    r"(?:hurts|painful|pain|sore|stabbing) (?:to|when i) (?:breathe|take a (?:deep )?breath|breath in)",
    r"suddenly (?:can not|could not|unable to) (?:lift|move|feel|use|raise|grip|hold|see|speak|walk)|(?:<BODY>|side of "
        r"my (?:body|face))(?: \w+)? (?:suddenly )?(?:went|gone|has gone|have gone|going|is going|are going|gave way) "
        r"(?:completely |really |all |suddenly )?(?:weak|floppy|limp)(?! (?:after|from|with) (?:the|that|this|my) "
        r"(?:walk|session|workout|exercise|exercises|class|run|ride|stairs|stretch))",
    r"(?:can not|could not|lost|losing) (?:see|vision|sight|my sight)(?: \w+){0,3}? (?:out of|in) (?:one|my (?:left|"
        r"right)) eye|(?:sudden|suddenly) (?:\w+ )?(?:blurred|double|lost|loss of) (?:vision|sight)|double vision",
    r"(?:lips|face|mouth) (?:are |is |have |has )?(?:going |gone |turning |turned |look |looks )?(?:blue|grey|gray)(?! "
        r"(?:from|with) (?:the )?(?:cold|lipstick|ice lolly|slushie))",
    r"(?:foot|feet|hand|toes|fingers|leg)(?: \w+){0,3} (?:cold and (?:white|blue|pale)|(?:white|blue|pale) and cold)",
    r"(?:hit|banged|bumped|knocked) my head(?: \w+){0,8} (?:being sick|vomiting|threw up|throwing up|confused|drowsy|"
        r"passed out|blacked out|can not remember)",
    r"(?:heart|pulse) (?:is |keeps )?(?:racing|pounding|thumping|beating) (?:out of my chest|like mad|really fast|so "
        r"fast|and (?:i am |i feel )?(?:dizzy|faint|sick|breathless))|(?:dizzy|faint|light headed|lightheaded)"
        r"(?: \w+){0,4} (?:heart|pulse) (?:is |keeps )?(?:racing|pounding|thumping)",
    r"(?:wound|scar|incision|stitches|dressing)(?: \w+){0,4}? (?:oozing|pus|opened|open up|split open|burst|bleeding "
        r"(?:a lot|heavily|through|lots)|weeping)|(?:wound|incision|stitches)(?: \w+){0,8} (?:fever|temperature|"
        r"shivery|shivering)|(?:fever|temperature|shivery|shivering)(?: \w+){0,8} (?:wound|incision|stitches)",
    r"i (?:have )?(?:just )?had a (?:seizure|fit(?! of))|(?:having|have) (?:a )?seizures?",
    # DVT / PE after surgery, severe breathlessness, cauda equina
    r"(?:calf|calves|leg|thigh)(?: \S+){0,4} (?:swollen|red|hot|warm|tender|throbbing|puffy)(?: \S+){0,6} (?:since|"
        r"after) (?:the |my )?(?:\w+ )?(?:operation|op|surgery|replacement|procedure)|(?:swollen|hot|"
        r"red) (?:and (?:swollen|"
        r"hot|red|painful|tender) )?calf|(?:think|worried|scared|afraid|sure) (?:it is|i have|i have got|i might have|"
        r"it might be|it could be) (?:a )?(?:dvt|blood clot|clot|pulmonary embolism|pe)<END>|i have (?:got )?a (?:dvt|"
        r"blood clot)",
    r"(?:really|so|very|extremely|severely|badly|terribly|suddenly|seriously|too) (?:short of breath|breathless|out "
        r"of breath)|short of breath (?:at rest|sitting|lying|while resting|doing nothing|all the time|and (?:my )?"
        r"chest)|(?:can not|could not) (?:catch|get) my breath|struggling (?:for|to) breath",
    r"(?:numb|numbness|no feeling|can not feel (?:anything )?)(?: \w+){0,2} (?:between my legs|in my (?:groin|"
        r"saddle area|bum|genitals|private parts|back passage))|saddle (?:numbness|anaesthesia)|cauda equina|"
        r"(?:wet|soiled) myself (?:without|and did not)",
    r"(?:loss of|lost|losing|no) (?:bladder|bowel) control",
))

LOW_MOOD = Rule("hopelessness or low mood", risk=CONCERN, negated=NONE, patterns=(
    r"hopeless\w*(?! (?:at|with|when it comes))|no hope|lost (?:all )?hope|giving up hope",
    r"(?:will|am going to|is going to|it will) never (?:get|be|feel) (?:any )?better|never (?:going to )?(?:get|"
        r"feel) (?:any )?better|(?:will not|not going to|never going to) (?:ever )?get (?:any )?better",
    r"nothing (?:ever )?(?:helps|works|changes|will change|gets better|matters(?! (?:more|as much|like))|is going to "
        r"change|will help)",
    r"what is the point(?: anymore| any more)?(?:<END>| of (?:anything|it all|trying|everything|me|any of it|"
        r"going on))|do not see the point(?! of (?:this|these|the|doing|that))",
    r"(?:life|everything|it all|my life|existence) (?:is|feels|seems) (?:so |completely |totally |just |"
        r"really )?(?:pointless|meaningless|empty|hopeless|dark|too much|unbearable|a struggle|grey|gray|bleak)",
    r"i am (?:so |such a |a |completely |totally |utterly |just |really |nothing but a |such an )?(?:worthless|"
        r"failure|burden|waste of space|pathetic|disgusting|unlovable|broken|a mess|nothing|hopeless case)(?! (?:at|"
        r"with) )",
    r"(?:feel|feeling|felt) (?:so |completely |totally |utterly |really |such )?(?:worthless|such a failure|"
        r"like (?:such )?a failure|like (?:such )?a (?:huge |massive |total )?burden|like nothing|useless|"
        r"like a waste of space)",
    r"failing at (?:everything|life)|(?:i am|i feel like) a (?:complete |total )?failure|(?:do not|can not) (?:enjoy|"
        r"look forward to) anything|(?:no|lost all) (?:joy|pleasure)",
    r"(?:will|is going to|it will|is never going to) never (?:go away|end|stop|change|get easier)|"
        r"how (?:much )?longer i can (?:keep (?:this|it|going) up|go on|cope|do this|take (?:it|this)|keep going)",
    r"(?:everything|life|things|it all) (?:is|are|feels|feel|seems) (?:so |really |too |just )+(?:hard|difficult|"
        r"heavy)|(?:feel|feeling|felt) like giving up|no way out|(?:can not|do not) see a way out",
    r"(?:scared|anxious|worried|panicking|on edge|terrified|frightened|panicky) all the time|constantly (?:anxious|"
        r"scared|worried|on edge|panicking)",
    r"(?:hate|loathe|despise) (?:myself|my life|who i am|being me|my body)",
    r"(?:everyone|everybody|they all|the group|people) (?:would )?(?:hates|hate) me|(?:nobody|no one) (?:cares|"
        r"loves me|likes me|understands me|would care|gives a)",
    r"(?:so|very|really|completely|totally|all|feel|feeling|felt|been) (?:so )?(?:alone|lonely|isolated)(?! time\b)",
    r"(?:i am|i feel|i felt|feel|feeling|felt|i was|been|mood is|mood was|mood has been|i have been|"
        r"getting) (?:<MUCH> )+(?:low|down|depressed|miserable|sad|hopeless|overwhelmed|awful|terrible|rough|numb|"
        r"empty|broken|upset|desperate|scared|frightened|anxious|panicky|stressed out|dreadful|horrible|crap|rubbish|"
        r"shit|bad|lonely|worthless|unhappy|tearful)",
    r"(?:i am|i feel|feel|feeling|felt) (?:miserable|desperate|wretched|dreadful|tearful)|(?:<MUCH> )(?:low|down|sad|"
        r"miserable|anxious) (?:today|this week|lately|recently|again|all week|all day|for days|for weeks)",
    r"depressed|depression|depressive",
    r"(?:anxiety|mood|depression|stress) (?:is|has been|was|levels are) (?:through the roof|really bad|so bad|awful|"
        r"terrible|horrendous|off the charts|at an all time low|at rock bottom)|rock bottom",
    r"(?:feel|feeling|felt|doing|been) (?:even |much |a lot |way |so much |a bit |slightly )?worse",
    r"worse than (?:yesterday|last week|before|ever|usual|last time)",
    r"(?:mood|anxiety|depression|things|everything|it|my head|mental health) (?:is|are|has|have|got|has got|have got|"
        r"getting|been getting|keeps getting|is getting|seems|feels|has been) (?:much |a lot |way |even |so much |"
        r"a bit |slightly |really )?(?:worse|getting worse)",
    r"(?:can not|could not|can no longer|unable to) (?:cope|handle (?:it|this|anything|life|everything)|"
        r"deal with (?:it|this|anything|life|everything)|function|do this anymore|do this any more|take much more|"
        r"do anything(?! about| else| with| on| for| until| today))",
    r"not coping|(?:really|so|badly|seriously) struggling|struggling (?:a lot|so much|badly|to cope|with everything|"
        r"really)",
    r"(?:i am|everything is|my life is|life is|it is all|things are) falling apart|i (?:broke|keep breaking|"
        r"am breaking) down|broke down (?:crying|in tears|sobbing)|breaking down (?:in tears|crying)",
    r"overwhelmed|(?:at|reached) (?:my )?breaking point|at the end of my (?:rope|tether)|(?:in|into) a dark place",
    r"(?:can not|could not) stop crying|crying (?:all day|every day|all the time|non stop|all night|constantly|"
        r"myself to sleep|for hours|a lot|so much|every night|easily|at everything)|cried (?:all day|all night|"
        r"for hours)",
    r"(?:panic|anxiety) attacks?",
    r"(?:can not|could not) (?:get|drag myself) out of bed|stayed in bed all day(?! (?:with|because of) (?:the |a |my "
        r")?(?:flu|cold|bug|virus|covid|migraine|sickness|temperature|fever))|have not left (?:the house|my room|bed|"
        r"the flat)",
    r"(?:not|stopped|can not|have not been|barely) eating(?! (?:meat|sugar|dairy|gluten|carbs|junk|sweets|after|"
        r"before|late|out|fish|bread|chocolate|as much (?:junk|sugar)))",
    r"dark thoughts|intrusive thoughts|bad thoughts",
    r"(?:feel|feeling|felt) (?:so |completely |totally )?(?:numb|empty|nothing|dead inside|hollow)(?! (?:in|down|on|"
        r"around|during|when|from|with|after|while|at all in)\b)|dead inside|empty inside",
    r"i give up<END>|i (?:have given|am giving) up(?! (?:sugar|smoking|caffeine|alcohol|coffee|meat|chocolate|dairy|"
        r"carbs|booze|drinking|on (?:this|these|the))\b)",
    r"letting (?:everyone|everybody|my family|them all|you all|people) down|(?:really |it is |is |"
        r"keeps )?getting me down|why (?:do )?i (?:even )?bother (?:getting up|living|trying|waking up|with anything)",
    r"(?:waking|wake|woke) up (?:with|in) (?:a )?panic|panic (?:in|at|during) the night",
    r"(?:tired|sick|exhausted) of (?:everything|it all|fighting|trying|being me|feeling like this|feeling this way|"
        r"struggling|pretending)",
    r"(?:want|wish i could|need) to (?:just )?(?:disappear|vanish)(?! for (?:a|the) (?:bit|while|day|weekend))|"
        r"run away from (?:everything|it all|my life)",
    r"(?:please|someone|somebody|just) (?:just )?(?:kill|shoot) me(?! (?:a|an) )|(?:kill|shoot) me now",
    r"i need (?:some )?help(?! (?:with|to|on|setting|finding|using|understanding|remembering|logging)\b)|(?:please|"
        r"somebody|someone) help me",
    r"(?:lost|losing|no|zero) (?:all )?(?:interest|motivation|energy|will) (?:in (?:anything|everything|life)|"
        r"for anything|to do anything|to live)",
    r"(?:bang|banging|banged|hit|hitting) my head (?:against|on|off) (?:the |a )?walls?",
    r"not (?:ok|alright|coping)<END>|not ok at all|not doing (?:well|ok|great) at all",
    r"(?:smoking|gambling|vaping) again|(?:craving|cravings|urge|urges|itching) (?:for |to )?(?:a )?(?:drink|"
        r"drinking|use|using|drugs|alcohol|booze|a hit|score|gamble)",
    r"too many drinks|(?:had|have) a (?:few|lot) too many|hungover|hangover",
    r"drinking (?:more|a lot|too much|heavily|every (?:day|night)|to cope|to sleep|to forget|alone|most nights)(?! "
        r"(?:water|fluids|tea|juice|of (?:water|tea|fluids|juice)))(?!(?: \S+){0,4} (?:water|fluids|tea|herbal|juice|"
        r"coffee|milk|squash|smoothies?|decaf)\b)",
    r"(?:forgot|forgotten|forget|missed|skipped|skipping|missing|ran out of|run out of|"
        r"running out of) (?:to take )?(?:my |the )?<MEDS>",
    r"(?:starve|starving|starved) <SELF>|purging|made myself sick|make myself sick",
    # drinking creeping up, or worried about it; weed to sleep; crying most days; "everything feels heavy";
    # thinking how pointless life is; flashbacks; nobody can help; a burden to apologise for
    r"drinking (?:a (?:bit|little|lot) |slightly |much |way |quite a bit |even |loads )?more (?:than (?:usual|normal|i "
        r"should|before|i used to)|these days|lately|recently|and more|most nights|every (?:day|night|week))(?!(?: "
        r"\S+){0,4} (?:water|fluids|tea|herbal|juice|coffee|milk|squash|smoothies?|decaf)\b)|(?:worried|concerned|"
        r"scared|anxious|worrying|ashamed) (?:about )?(?:my|how much i am) (?:drinking|drug use|using|gambling|weed|"
        r"smoking)|my (?:drinking|drug use|using|gambling) (?:is|has) (?:\w+ )?(?:out of (?:hand|control)|worse|a "
        r"problem|creeping up)",
    r"(?:wine|gin|beer|vodka|drink) oclock(?: \w+){0,5} (?:earlier|every day|each day|lunch|lunchtime|noon|midday|"
        r"morning|breakfast)|(?:drinking|first drink|drinks?) (?:\w+ ){0,3}?(?:earlier and earlier|before (?:noon|"
        r"midday|lunch|breakfast))",
    r"(?:back to|gone back to|went back to|started|starting) (?:smoking )?(?:weed|cannabis|pot|spliffs?|joints)|"
        r"(?:smoking|smoke|using|taking|need|needing) (?:weed|cannabis|pot|a spliff|spliffs|a joint|joints|a drink|"
        r"drink|wine|alcohol|booze) (?:\w+ ){0,3}?(?:to (?:get to sleep|sleep|cope|get through|numb|forget|calm down)|"
        r"every (?:night|day))",
    r"crying (?:most days|most nights|most of the day|a lot lately|every other day|for no reason|randomly|at nothing)",
    r"(?:everything|life|things|it all|my life) (?:is|are|feels|feel|seems|has felt|has been) (?:\w+ )?(?:heavy|hard|"
        r"difficult|a struggle|too much|so hard)(?: lately| recently| at the moment| these days| right now| "
        r"again)?<END>",
    r"how (?:pointless|meaningless|empty|hopeless|bleak|worthless|useless|shit|crap|rubbish|miserable) (?:my life|life|"
        r"everything|i am|it all|my existence) (?:is|has become|feels|has got)",
    r"flashbacks|(?:having|had|have|getting|keep having|another) (?:a )?flashback|reliving (?:it|what happened|the "
        r"(?:accident|attack|assault|trauma))",
    r"(?:no one|nobody|no body) (?:can|could|is able to) help(?: me)?(?:<END>| now| anymore| any more)|(?:beyond|past) "
        r"help<END>|(?:can not|could not) be helped",
    r"sorry for being (?:such |a |so )*(?:huge |massive |total )?(?:burden|pain|nuisance|waste of space)|(?:being|"
        r"been) (?:such )?a (?:huge |massive |total )?burden (?:to|on|for)",
    r"(?:feel|feeling|felt) (?:so |really |just |absolutely )?(?:awful|terrible|guilty|horrible|dreadful|ashamed|"
        r"rubbish) (?:about (?:it|that|this|myself|what)|for (?:it|that|snapping|shouting))|(?:snapping|snapped|"
        r"shouting|lashing out) at (?:the kids|my kids|everyone|my (?:husband|wife|partner|family|children))",
    r"(?:so|too|really|very) (?:anxious|nervous|scared|worried|panicky)(?: that)? i (?:have been|was|am|get|got|keep "
        r"being|keep getting|feel|felt) (?:physically )?(?:sick|shaking|throwing up|vomiting)(?: \w+){0,3}? (?:every|"
        r"each|all the time|constantly|daily|most days|before (?:the |my )?(?:group|session|class))|anxious all the "
        r"time",
    r"(?:no|zero|lost (?:all |my )?|have not got any|have no|not got any) motivation(?: at all| for anything| to do "
        r"anything| lately| anymore| any more)|(?:no|zero) motivation<END>",
    r"(?:skipping|skipped|missing|missed) (?:most |all my |my )?meals|(?:just not|never|not really|never really) "
        r"hungry(?: anymore| any more| at all| lately)?<END>|not hungry (?:anymore|any more|at all|lately|these days)|"
        r"no appetite|lost my appetite|(?:appetite|eating) (?:is |has )?(?:gone|non existent|disappeared)",
))

BEREAVEMENT = Rule("bereavement", risk=CONCERN, negated=NONE, past=NONE, patterns=(
    r"(?:mum|mom|dad|father|mother|husband|wife|partner|son|daughter|brother|sister|friend|best friend|grandma|"
        r"grandad|granddad|grandmother|grandfather|nan|baby|dog|cat) (?:died|passed away|passed on|is dying|"
        r"has died)|lost my (?:mum|mom|dad|father|mother|husband|wife|partner|son|daughter|brother|sister|baby|"
        r"best friend)|funeral (?:is|today|tomorrow|was (?:today|yesterday|this morning|on))",
))

SLEEP = Rule("poor sleep", risk=CONCERN, negated=NONE, resolved=NONE, patterns=(
    r"(?:can not|could not|did not|have not|barely|hardly|not|unable to) (?:sleep|sleeping|slept|get to sleep|"
        r"fall asleep|stay asleep)(?! (?:this|so|that) well| better| too much| in (?:late|till|until|the)| late|"
        r" during| on)",
    r"no sleep(?! problems| issues| trouble)|(?:zero|little|hardly any|barely any) sleep",
    r"(?:slept|sleeping|sleep) (?:so )?(?:badly|terribly|awful|awfully|poorly|really badly|like crap|like rubbish|"
        r"horribly|only (?:a couple of|a few|an|\d+|one|two|three) hours?)",
    r"(?:got|had|managed) (?:about |maybe |only |like )?(?:1|2|3|one|two|three|a couple of|a couple|a few|"
        r"an) (?:hours?|hrs?) (?:of )?sleep|slept (?:about |only |like |maybe )?(?:1|2|3|one|two|three|a couple of|"
        r"a few) (?:hours?|hrs?)",
    r"(?:could not|can not|did not|unable to|never) (?:get|go|got) back to sleep",
    r"insomnia|awake (?:all night|until|till|since|half the night|most of the night)|up all night|(?:lie|lying|"
        r"lay) awake",
    r"(?:terrible|awful|bad|horrible|poor|broken|rough|sleepless) (?:sleep|night|nights)|(?:night|"
        r"nights) (?:of )?(?:no|broken|bad) sleep",
    r"nightmares|(?:had|have|having|another|keep having) (?:a )?(?:bad )?nightmare|bad dreams|night terrors|"
        r"night sweats",
    r"sleep (?:is|has been|was) (?:terrible|awful|bad|rubbish|poor|worse|a mess|non existent)",
    r"(?:woke|waking|wake) up (?:every hour|all night|constantly)",
    # waking in the small hours with a racing mind; sleeping far too long and still exhausted
    r"keep (?:waking|waking up) (?:up )?(?:at|around|about|in|every)|(?:mind|head|brain|thoughts) (?:is |are |keeps |"
        r"keep )?(?:racing|spinning|going round)(?! with (?:ideas|excitement|plans))|racing (?:thoughts|mind)|can not "
        r"(?:switch|turn) (?:my )?(?:brain|mind|head) off",
    r"(?:sleeping|slept|sleep) (?:for )?(?:about |like |nearly |over )?(?:1[2-9]|twelve|thirteen|fourteen|fifteen|"
        r"sixteen) (?:hours|hrs|hour)(?!(?: \S+){0,2} (?:after|because|following))|sleeping all the time|(?:still|"
        r"always|constantly) (?:exhausted|shattered|drained|wiped out)(?! after)",
))

PAIN = Rule("pain or injury getting worse", risk=CONCERN, negated=NONE, past=NONE, resolved=NONE, asking=NONE,
            others=NONE,
            patterns=(
    r"(?:more|new|increased|increasing|worse|worsening|sharp|shooting|stabbing|burning|constant|terrible|horrible|"
        r"awful|bad|intense|throbbing|serious|sudden|nerve) pains?",
    r"pain (?:is |has been |keeps |has )?(?:getting |got |gotten )?(?:worse|increasing|spreading|not going away|"
        r"still there after|constant|waking me up|keeping me up|back|so much worse)",
    r"(?:pain|<BODY>|hip|hips|ankle|ankles|wrist|elbow|joints?) (?:is|are|has|have|got|getting|been getting|"
        r"keeps getting|feels|seems) (?:much |a lot |way |even |a bit |slightly |really )?(?:worse|more painful|"
        r"more sore)",
    r"(?:hurts|hurting|aches|aching) (?:more|worse|a lot more|much more|so much|too much)|(?:too|so|really|very|"
        r"extremely) painful|painful to (?:walk|move|stand|sit|bend|breathe)",
    r"(?:flare|flared|flaring)(?: up|up|d up|s up)?|flare ?ups?",
    r"swollen|swelling|swelled|bruised|bruising|inflamed|hot and red|red and hot",
    r"(?:can not|could not|unable to|struggling to|can barely|could barely|can hardly) (?:walk|bend|put weight|"
        r"weight bear|straighten|climb the stairs|stand up|stand on|stand for long|stand without|"
        r"move(?: at all)?<END>|move my <BODY>|lift my <BODY>|raise my <BODY>|use my <BODY>|breathe?)",
    r"(?:in|is|was|been|it is) (?:absolute |complete |total )?agony|agonising|agonizing",
    r"limping|pins and needles|tingling|tingly|dizzy|dizziness|light headed|lightheaded|vertigo|(?:feel|felt|"
        r"feeling) faint|woozy",
    r"(?:pulled|strained|tore|torn|tweaked|twisted|sprained|jarred|ricked|rolled|hurt|injured|damaged) (?:a |"
        r"my )?(?:muscle|hamstring|calf|back|knee|ankle|shoulder|neck|groin|something|wrist|hip|achilles|ligament|"
        r"tendon)",
    r"(?<!will )(?<!might )(?<!could )(?<!to )(?<!would )hurt <SELF>|injured|(?:an|my|new|the|this|a) injury|"
        r"heard (?:a |something )?(?:pop|snap|crack)|felt (?:a |something )?(?:pop|snap|tear|rip)",
    r"(?:knee|leg|ankle|hip|back) (?:gave|gives|gave out|keeps giving|giving) (?:way|out)|(?:knee|back) (?:locked|"
        r"locking|keeps locking)",
    r"i fell(?! asleep| behind| for| in love| off the wagon| into| a bit| out)|fell (?:over|down|off)(?! the wagon)|"
        r"had a (?:fall|bad fall)|took a (?:fall|tumble)|tripped and fell",
    r"short of breath|shortness of breath|breathless|hard to breathe|(?:heart|pulse) (?:is )?(?:racing|pounding)|"
        r"palpitations|(?:hit|banged|bumped) my head",
    r"pain (?:kept|keeps|is keeping) me (?:up|awake)|too (?:painful|sore) to|(?:feel|feeling|"
        r"felt) (?:like i am going to|i might|i could) (?:faint|pass out|collapse)",
    r"numbness|went numb|gone numb|(?:arm|leg|foot|hand) falls asleep",
    # a pain score well above the usual; exercises making it worse; a bad week with the pain
    r"pains? (?:level |score )?(?:(?:is|was|at|of|about|like|has been|around|a solid|now|currently|roughly|probably|"
        r"maybe|sitting at|a|an) )*(?:[6-8]|six|seven|eight)(?: or (?:[6-9]|seven|eight|nine))? (?:out of |outta |over "
        r"|on )?(?:10|ten)(?!(?: \S+){0,5} (?:now|to|down to) (?:\S+ ){0,3}(?:[0-5]|zero|one|two|three|four|five)\b)",
    r"(?:making|made|makes|make) (?:my )?(?:<BODY>|pain|hip|hips|ankle|wrist|elbow|joints?|symptoms) (?:even |much |a "
        r"lot |way )?worse",
    r"(?:bad|rough|awful|terrible|horrible|hard|tough|shit) (?:week|day|few days|night|month|weekend) (?:with|because "
        r"of) (?:the |my )?(?:pain|back|knee|hip|shoulder|neck|joints)",
))

_CONFRONT_SUBJECT = (
    r"(?:this|these|that|it|they|all this|this whole thing|(?:this|that|the|these|your|those) (?:whole )?(?:exercises?|"
        r"app|bot|programme|program"
    r"|group|questions|check ?ins?|messages|reminders|course|coaching|thing|stretches|advice|suggestions|tips|"
        r"worksheets?|handouts?|leaflets?|videos?|sessions?|answers|replies|responses|homework|coach|chatbot))"
)
CONFRONTATION_RULE = Rule("confrontation", rupture=CONFRONTATION, patterns=(
    _CONFRONT_SUBJECT + r" (?:is|are|feels|seems|was|were) (?:so |completely |totally |utterly |just |bloody |"
        r"fucking |such |a |absolutely |really )*(?:pointless|useless|stupid|a waste of (?:my )?time|rubbish|crap|"
        r"a joke|ridiculous|bullshit|bs|garbage|dumb|worthless|a con|nonsense|patronising|patronizing|condescending|"
        r"not helping|not working|doing nothing|no help|no use|no good|not helpful|unhelpful|"
        r"doing nothing for me)(?! of me| for me)",
    r"(?:this|it|the app|the bot|the exercises?|the programme|the program|you) (?:does not|do not|is not|are not|"
        r"never) (?:help|helps|work|works|helping|working|do anything|doing anything)(?! for the pain| with the pain|"
        r" for me)",
    r"<START>(?:so |totally |completely |just |this is )?(?:pointless|useless|rubbish|ridiculous|bullshit|garbage|"
        r"nonsense|stupid)<END>",
    r"you (?:do not|never|are not|did not|just do not|clearly do not|obviously do not) (?:listen|listening|"
        r"understand|get it|get me|care|help|hear me|read|pay attention)",
    r"you are (?:so |completely |totally |just |such a |a |an |really |fucking |bloody )*(?:useless|stupid|annoying|"
        r"a joke|rubbish|pathetic|a waste|idiot|idiotic|dumb|worthless|hopeless|terrible|crap|shit|garbage|creepy|"
        r"patronising|patronizing|condescending|irritating|infuriating)",
    r"(?:this (?:app|bot) is|these (?:questions|messages|reminders) are) (?:so |really |very )?(?:annoying|"
        r"irritating|infuriating)",
    r"(?:stupid|useless|dumb|pointless|annoying|crappy|shitty|fucking|bloody|idiotic|rubbish|crap|damn|dumbass|"
        r"worthless|pathetic|lame) (?:bot|app|thing|machine|robot|exercises?|questions?|programme|program|messages?|"
        r"reminders?|computer|ai|check ?ins?|survey|questionnaires?)",
    r"shut up|(?:f|eff|fuck|sod|piss|bugger) off|(?:fuck|sod|piss|bugger) (?:off|this|you|that|it)|(?:screw|"
        r"damn) (?:this|you|it|that)|go away|get lost|(?:wtf|ffs|omfg)",
    r"(?:stop|quit) (?:asking|nagging|pestering|patronising|patronizing|lecturing|telling) me|"
        r"stop asking(?: me)? (?:how|what|the same|if|whether|about)",
    r"(?:worst|most useless|stupidest|dumbest|most pointless) (?:app|bot|programme|program|thing|idea) (?:ever|"
        r"in the world|i have ever)",
    r"(?:have not|did not|do not|never) (?:even )?(?:read|listened to|looked at|"
        r"paid attention to) (?:a word of )?what i (?:wrote|said|write|say|told you)",
    r"waste of (?:my )?(?:time|money|energy)|(?:a )?load of (?:rubbish|crap|nonsense|bollocks|bs|old tosh|garbage)",
    r"what (?:would|do|could) you know|you (?:would|will|could) never understand|you are not (?:even )?(?:a )?real|"
        r"same (?:old )?(?:rubbish|crap|nonsense|questions|stuff) (?:again|every)",
    r"you keep (?:asking|saying|sending|messaging) (?:me )?(?:the same|that|this)|(?:answered|told you|said) (?:this|"
        r"that|it)? ?(?:three|3|four|4|five|5|so many|several|multiple|\w+ different) times|do not tell me (?:what|"
        r"how) to (?:do|feel|think)",
    r"i (?:already|just) (?:told|said|answered) (?:you|that|this)(?: already)?<END>|i already (?:told|said|answered)|"
        r"i (?:told|said) (?:you|that) (?:already|before|yesterday)",
    r"how many (?:more )?times (?:do i have to|have i (?:told|said)|must i|are you going to)|(?:are|"
        r"r) you (?:even )?(?:listening|reading|paying attention)|asked (?:me )?(?:that|this|"
        r"the same thing) (?:already|before|yesterday)|same (?:stupid |bloody )?questions? (?:every|again|over)",
    r"(?:you are|this is) (?:just )?(?:a )?(?:stupid |dumb )?(?:bot|machine|robot|computer)<END>|(?:want|need|"
        r"let me) (?:to )?(?:talk|speak) to (?:a )?(?:real|actual) (?:person|human|people|therapist)",
    r"(?:hate|sick of|fed up with|tired of|sick and tired of|done with your) (?:this|these|the|your) (?:app|bot|"
        r"exercises?|programme|program|questions|messages|reminders|check ?ins?|nagging|notifications)",
    r"(?:did|does) (?:nothing|fuck all|sod all) for me",
    r"what is the point (?:of|in) (?:this|these|doing (?:this|these|the|them)|the (?:exercises?|app|programme|"
        r"program|questions|check ?ins?)|you|any of this)(?! for)",
    r"(?:ridiculous|absurd|insulting|condescending|patronising|patronizing)<END>|no idea what you are (?:talking|"
        r"on) about",
    r"kill (?:yourself|urself)|kys|go die",
    r"(?:why|what) (?:the (?:hell|fuck) )?(?:would|should) i (?:even )?(?:listen to you|trust you)|you are (?:making|"
        r"made) (?:it|things|me) worse",
    # treated as less than a person, the care team complained about, a complaint made, exasperation
    r"(?:patronised|patronized|talked down to|talks down to|talk down to|talking down to|(?:treated|treating me|treat "
        r"me|treats me) like (?:a child|an idiot|a number|a kid|dirt|crap|rubbish|a statistic|i am stupid)|spoken to "
        r"like (?:a child|an idiot))|did not sign up (?:for this|to be)",
    r"made me (?:look|feel) (?:like )?(?:an idiot|a fool|stupid|small|humiliated)(?: in front of)?|humiliated me|"
        r"(?:rushed|hurried) me (?:out|through|along)",
    r"(?:if )?one more (?:person|time|thing|message|reminder)(?: \w+){0,8}? i (?:am going to|will|swear|might) "
        r"(?:scream|lose it|explode|throw|lose my)",
    r"(?:what is the point|what good is) (?:of )?(?:a|an|this|your|having a) (?:\w+ )?(?:coach|bot|chatbot|app|"
        r"programme|program|assistant)|(?:copies|copy|copied|copying) and (?:pastes|paste|pasted|pasting)|copy pasted|"
        r"(?:generic|canned|robotic|scripted) (?:replies|answers|responses|advice)",
    r"(?:put|putting|make|making|made|file|filing|lodge|lodging|submit|write|writing) (?:in )?(?:a )?(?:formal "
        r")?complaint|complain(?:ing)? (?:about|to) (?:this|you|your)(?: (?:app|bot|group|programme|program|physio|"
        r"therapist|sessions?|service|coach))?|report (?:you|this (?:app|bot))",
    r"(?:it is|that is|this is|this was|it was|that was|they are|which is) (?:just |simply |frankly |so )?(?:not good "
        r"enough|unacceptable|a disgrace|disgraceful|out of order|appalling)|(?:it is|that is|this is) (?:so "
        r")?(?:unfair|not fair)<END>",
    r"who (?:even|on earth|the hell|the fuck) (?:designed|wrote|came up with|made|thought of) (?:this|these|the)|"
        r"<START>(?:ugh |oh |god |seriously )*not this again|i (?:already |have already )?told you (?:my|that my|i can "
        r"not|i could not|already|before)",
    r"do not tell me (?:how|what) i (?:feel|think|should feel)|do not tell me to (?:calm down|relax|breathe|pace|be "
        r"positive|cheer up)|stop telling me (?:to|what|how)",
    r"(?:nobody|no one) (?:ever )?(?:listens|listened|is listening)(?: to (?:me|a word i say|what i say))?(?:<END>| to "
        r"me)|(?:nobody|no one) (?:ever )?(?:hears me|takes me seriously|believes me)",
    r"you (?:lot |people |guys |all )?(?:can not|could not|will never|are not able to) help (?:me|anyone)(?:<END>| "
        r"anyway| either| ,)",
    r"(?:is|it is|that is|this is|they are|you are) (?:so |really |bloody |very )?(?:annoying|irritating|"
        r"infuriating)<END>",
))

WITHDRAWAL_RULE = Rule("withdrawal", rupture=WITHDRAWAL, patterns=(
    r"(?:would )?prefer not to (?:say|answer|talk|discuss|share|go into|get into)",
    r"not (?:going to )?(?:do|doing|fill in|filling in|answer|answering|complete|completing) (?:the |these |your |"
        r"any more |any )?(?:questionnaires|check ?ins?|exercises|surveys|questions|homework) (?:anymore|any more)",
    r"(?:not|do not think i will|will not|not going to|can not) (?:carry on|continue|keep going|stay) (?:with|"
        r"in) (?:the |this )?(?:programme|program|group|course|therapy|physio)",
    r"do not (?:message|text|contact|call|bother|remind) me",
    r"(?:would|had) rather not(?:<END>| (?:talk|say|discuss|go into|get into|share|answer|think about|explain|"
        r"right now))",
    r"(?:do not|not|never|no) (?:really )?(?:want|wanna|feel like|ready|in the mood) (?:to )?(?:talk|talking|discuss|"
        r"discussing|go into|share|sharing|get into|answer|answering|explain|say)(?: (?:about |into )?(?:it|this|"
        r"that|my \w+|what happened|how i feel|my feelings|him|her|them|anything))?(?: today| now| right now|"
        r" anymore| any more| at the moment| with you| tonight)?<END>",
    r"not answering (?:that|this|it)|<START>i will pass<END>|i will pass on (?:that|this)|take me off (?:the|this|"
        r"your) (?:list|programme|program|group)|remove me from (?:the|this|your) (?:list|programme|program|group)",
    r"(?:do not|no longer|not) (?:want|wanna|feel like) (?:to )?(?:come|go|coming|going) (?:to (?:the )?(?:group|"
        r"sessions?|class|physio|therapy) )?(?:anymore|any more)",
    r"not (?:talking|going to talk) about (?:it|this|that)|<START>no comment<END>|(?:can|could) we (?:not|skip (?:it|"
        r"this|that))<END>",
    r"leave me (?:alone|be)|<START>(?:just )?(?:leave it|forget it|never mind|drop it)<END>",
    r"<START>(?:ok |oh |so |fine |sure |yeah |ugh |meh )?(?:whatever|who cares|i do not care|do not care|"
        r"does not matter|meh|i could not care less|could not care less|so what)(?: (?:man|dude|lol|i guess|then|"
        r"really|anyway|anymore|now|you say|honestly))*<END>",
    r"(?:drop|dropping|dropped|opt|opting|opted) out(?! of (?:the )?(?:walk|run|class today))|(?:pull|pulling|"
        r"pulled) out of (?:the )?(?:programme|program|group|course|therapy|physio)",
    r"(?:quit|quitting|leave|leaving|left|stop|stopping|give up|giving up|gave up|pack in|packing in|bin off|"
        r"binning off|jack in|jacking in) (?:on )?(?:the |this |these |my |your |doing )?(?:whole )?(?:programme|"
        r"program|group|groups|course|sessions|therapy|physio|physiotherapy|exercises|app|bot|treatment|class|"
        r"classes|check ?ins?|coaching)(?! (?:early|for today|for now|until|chat)\b)",
    r"(?:packing|pack|jacking|jack) it in|(?:done|finished|through) with (?:the |this )?(?:whole )?(?:programme|"
        r"program|group|course|therapy|physio|app|bot|coaching|whole thing|all of this)(?! for today)",
    r"(?:not|will not|am not|never) (?:coming|going|showing up|turning up) (?:back<END>|back to (?:the )?(?:group|"
        r"sessions?|class|physio|therapy)|(?:to (?:the )?(?:group|sessions?|class|classes|meetings?) )?(?:anymore|"
        r"any more|ever again))",
    r"(?:thinking|think|thought|considering|considered|want|going|planning|tempted) (?:about |of |to )?(?:quit|"
        r"quitting|drop out|dropping out|give up|giving up)(?:<END>| (?:the |this |on (?:the |this )?)?(?:programme|"
        r"program|group|course|therapy|physio|sessions|whole thing|it all|everything|exercises))",
    r"(?:thinking|think|thought|considering|considered|want|going|planning|tempted) (?:about |of |to )?(?:stop|"
        r"stopping|leave|leaving|pull out|pulling out) (?:the |this )?(?:programme|program|group|course|therapy|"
        r"physio|sessions|whole thing)",
    r"unsubscribe|(?:stop|do not|please stop) (?:messaging|texting|contacting|bothering|bugging|pestering|spamming|"
        r"pinging|writing to|sending) (?:me|messages)|no more (?:messages|reminders|check ?ins?)|"
        r"delete my (?:account|data)",
    r"(?:this|it|the programme|the program|the group|therapy|physio) (?:is|was|just is) not (?:for me|my thing|"
        r"worth it)|not for me(?: anymore)?<END>|(?:is|are) not (?:working|helping) for me|<START>i am out<END>",
    r"(?:do not|no longer|not) (?:want|wanna) to do (?:this|it|these|the (?:exercises|programme|program|check ?ins?)|"
        r"any of this|them) (?:anymore|any more)|not doing (?:this|it|these|the|any of this|any|the exercises|"
        r"these exercises) (?:anymore|any more)",
    r"(?:why|what is the point to) (?:even )?bother|i give up on (?:this|these|the|it|you)|(?:skip|skipping|skipped|"
        r"miss|missing|missed) (?:the |this |next |another )?(?:group|session|sessions|class) again|not (?:bothering|"
        r"bothered) (?:with|doing|anymore)",
    r"(?:need|want|taking|take) (?:a )?(?:break|time off|step back) from (?:this|it|all this|you|everything|"
        r"the (?:programme|program|group|app|bot|therapy|coaching))(?! for (?:the holiday|a week|the week))",
    r"(?:can not|could not) be bothered(?: anymore| any more| with (?:this|it|the (?:exercises|programme|app|"
        r"group)))?<END>|no point (?:in )?talking about (?:it|this)",
    r"none of your business|(?:that is|it is) (?:private|personal)",
    # not sharing in the group, going it alone, not coming back, "can we stop", "pass"
    r"(?:do not|not|never|no longer) (?:really )?(?:want|feel like|ready|in the mood) (?:to )?(?:talk|share|speak|open "
        r"up|contribute|say anything|join in|take part|participate)(?: \w+){0,3}? (?:in (?:the )?group|anymore|any "
        r"more|with (?:the )?group)",
    r"(?:do not|no longer) need (?:the |this |your )?(?:group|programme|program|sessions|app|bot|coaching|you)(?:<END>|"
        r" anymore| any more)|(?:on my own|by myself|alone) from now on",
    r"(?:might|may|probably|will probably|maybe|prob) (?:not|never|will not) (?:come|coming|be coming|go|be going|turn "
        r"up|show up|bother coming) (?:back|next week|again|to (?:the )?(?:group|session|class))(?! (?:, )?(?:because|"
        r"as|cos|since|i am (?:on|away)|we are|from|after|till|until|at)\b)",
    r"not (?:really )?in the mood (?:for|to) (?:questions|talking|this|chatting|it|answering|sharing)",
    r"(?:can|could) we (?:please )?(?:change|drop|leave) (?:the )?(?:subject|topic)|change the subject|talk about "
        r"something else|(?:can|could) we (?:just )?(?:stop|finish|end|be done)(?: (?:now|here|there|please))?<END>",
    r"<START>(?:i will )?pass<END>|<START>(?:i will )?(?:answer|reply|respond|get back to you) later(?: ,| \.)? "
        r"(?:maybe|perhaps|or not|if i can be bothered)<END>",
    r"(?:too|so) (?:\w+ )?(?:depressed|tired|anxious|low|exhausted|knackered|down|sore|fed up) to (?:bother|go|come|"
        r"face|do) (?:with )?(?:the )?(?:group|sessions?|class|exercises|programme|program|any of it|it)|(?:bother|"
        r"bothering) (?:with|going to|coming to) (?:the )?(?:group|sessions?|class|programme|exercises|app)(?: anymore|"
        r" any more)",
    r"(?:my )?(?:last|final) (?:message|post|session|time) (?:to|in|with|at) (?:the |this |you )?(?:group|programme|"
        r"program|app|you all|everyone)",
))

OVERDOSE = Rule("overdose or means", risk=CRISIS, negated=CONCERN, past=CONCERN, patterns=(
    # Taking (or meaning to take) all of a supply, a whole bottle, or dozens of tablets; a patient
    # reporting adherence says "as prescribed", "this morning", "with breakfast", so those stay out.
    r"(?:took|swallowed|downed|taken|necked) (?:all|every one) (?:of )?(?:my |the |those |these )?<DRUGS>"
        r"(?! (?:as|like|on time|with (?:my )?(?:breakfast|lunch|dinner|food|tea)|this morning|today|every|correctly|"
        r"properly|at (?:breakfast|lunch|dinner|the right time)))",
    r"(?:<INTENT>|about) (?:to )?(?:take|swallow|down|neck|inject) (?:all|every one) (?:of )?(?:my |the |those |"
        r"these )?"
        r"<DRUGS>(?! (?:as|like|on time|with|in the morning|every|at|properly|regularly|today|before))",
    r"(?:took|swallowed|downed|taken|necked|take|swallow|down|taking|swallowing|neck|had) (?:\w+ ){0,2}?(?:a|the) "
        r"(?:whole|entire|full) (?:bottle|packet|pack|box|tub|strip|blister pack|month s supply)s?(?: of (?:my |the )?"
        r"<DRUGS>)?",
    r"(?:took|swallowed|downed|taken|take|swallow|taking|swallowing|necked|neck|down) (?:about |like |over |nearly |"
        r"around )?(?:\d{2,}|"
        r"twenty|thirty|forty|fifty|sixty|a hundred|dozens of|a load of|a fistful of|a handful) (?:of )?(?:my |the )?"
        r"<DRUGS>",
    # asking for a lethal amount
    r"(?:lethal|fatal|deadly) (?:dose|amount|quantity)|how (?:many|much) (?:\w+ ){0,6}?(?:to die|(?:to|would|"
        r"will) kill (?:me|"
        r"<SELF>|a person|someone|you|a human)|to (?:not|never) wake up|to overdose|be (?:lethal|fatal))|"
        r"<DRUGS> (?:\w+ ){0,3}?enough to (?:kill|"
        r"die|end|not wake up|do it)|(?:which|what) (?:<DRUGS>|method|way) (?:would|will|is) (?:do it|kill)",
    r"<INTENT> (?:to )?od\b|od (?:tonight|again|on)\b|(?:massive|huge|lethal|whole) (?:dose|amount|shot) of (?:my )?"
        r"<DRUGS>",
    # mixing pills and alcohol
    r"(?:mix|mixing|mixed|combine|combining|wash|washing|washed) (?:all )?(?:of )?(?:my |the |some |a bottle of )?"
        r"(?:<DRUGS>|<ALCOHOL>) (?:down )?(?:with|and) (?:all )?(?:of )?(?:my |the |some |(?:half |"
        r"a whole )?a bottle of |half a bottle of |a whole "
        r"bottle of )?(?:<ALCOHOL>|"
        r"<DRUGS>)",
    r"<DRUGS> (?:and|with|washed down with) (?:a (?:whole )?bottle of |half a bottle of )<ALCOHOL>|<ALCOHOL> and "
        r"(?:half|all|most|loads) (?:of )?my <DRUGS>",
    r"(?:put|laid|lined|counted|poured|tipped) (?:out |up )?(?:all )?(?:of )?my <DRUGS>(?! (?:in|into) (?:the|my|a) "
        r"(?:organiser|dosette|box|pill box))|(?:the |my )?(?:pills|tablets) are (?:in front of me|lined up|counted "
        r"out|in my hand)|(?:holding|got|have) the (?:pills|tablets|blade|knife|rope) (?:now|in my hand|right here)",
    r"(?:collecting|saved up|saving up|stockpiled) (?:\w+ ){0,3}?(?:of )?(?:my )?(?:pills|tablets|sleeping pills|"
        r"painkillers|antidepressants|paracetamol)|(?:got|have|nearly got|almost got|nearly have) enough (?:<DRUGS> |"
        r"of them )?(?:now|to do it|saved)",
    # any medicine taken, or insulin injected, deliberately
    r"(?:took|take|taking|taken|inject\w*|swallow\w*|overdos\w*|double\w*) (?:\w+ ){0,4}?<DRUGS> (?:\w+ )?(?:on "
        r"purpose|deliberately|intentionally|to (?:die|end it|not wake up|kill <SELF>|hurt <SELF>))",
    r"(?:too much|extra|all (?:of )?my|loads of|a lot of) insulin (?:on purpose|deliberately|to (?:die|end))",
    r"(?:stockpil\w*|hoard\w*|saving|saved|stashing|stashed|hiding|hidden) (?:up )?(?:all )?(?:of )?(?:my |the |these |"
        r"some )?<DRUGS>(?! (?:in|for) (?:the|a|my) (?:cupboard|drawer|organiser|holiday|trip|fridge|dosette|pill box|"
        r"pill organiser|weekly box)| (?:gel|cream|spray|patches))|(?:stockpile|stash|hoard) of (?:<DRUGS>)",
    # a supply kept back ("stockpiled 3 months of amitriptyline"), or how many it would take
    r"(?:stockpil\w*|hoard\w*|stash\w*|squirrel\w* away|secretly saved|been saving up|built up) (?:up )?(?:\w+ "
        r"){0,4}?(?:of |worth of )?(?:my |the |these )?<DRUGS>(?! (?:in|for) (?:the|a|my) (?:holiday|trip)| (?:gel|"
        r"cream|spray|patches))|(?:weeks|months) (?:worth )?of <DRUGS> (?:saved|stashed|hidden|put by|put aside|"
        r"squirrelled away)",
    r"(?:\d{2,}|twenty|thirty|forty|fifty|sixty|a hundred) (?:of )?(?:my |the )?<DRUGS> (?:saved|stashed|hidden|put "
        r"aside|put by|kept back|squirrelled away|stockpiled)|(?:putting|put|setting|keeping|kept|hiding|saving) "
        r"(?:aside |back |by )?(?:all )?(?:my |the )?<DRUGS> (?:aside |back )?instead of taking them",
    r"<DRUGS> (?:with|and) (?:some |a )?(?:alcohol|booze|vodka|whisky|whiskey|gin|rum|wine|beer|spirits) (?:\w+ ){0,2}?"
        r"(?:work|kill|be enough|do it|lethal|fatal|fast|quick)",
    r"how (?:many|much) (?:of )?(?:my |the |these |those )?(?:<DRUGS>|of them|of those)(?: \w+){0,3}? (?:it would take|"
        r"would it take|it will take|it takes|does it take|would (?:do it|be enough|kill)|i would need|would "
        r"(?:actually |really )?be too many|is lethal|is fatal)(?! (?:to|for|before) (?:feel|work|help|kick|get|"
        r"notice|make|see|ease|stop|the|my|a)\b)",
))

FAREWELL = Rule("plans and farewells", risk=CRISIS, negated=CONCERN, patterns=(
    # Saying goodbye for good, a last message, a decided night, affairs put in order: people planning to
    # die often say so this way without ever naming it.
    r"goodbye (?:forever|for good|for ever|world|cruel world)|(?:goodbye|bye|farewell)(?: everyone| everybody| all|"
        r" all of you| guys| world)?(?: ,| \.)? (?:thank you|thanks) for everything|thanks for everything(?: ,| \.)? "
        r"(?:goodbye|farewell)",
    r"i am (?:so |just )?(?:done|finished)(?: with (?:everything|it all|life|this life|all of it))?(?: \.| ,)? "
        r"(?:goodbye|farewell)",
    r"(?:this is|consider this|here is) (?:my )?(?:last|final) (?:message|text|post|words|goodbye|note)(?! (?:for|"
        r"of|before|until|till|tonight|this|today|about))|(?:my )?(?:last|final) (?:message|words) (?:to you|from me|"
        r"ever)",
    r"<START>(?:tonight|today) is the (?:night|day)<END>|(?:tonight|today) is the (?:night|day) , i have "
        r"decided|<START>i have (?:decided|made (?:up )?my (?:mind|decision))(?: up)?(?: \.|$)",
    r"(?:giving|give|gave|given) (?:all )?(?:of )?my (?:stuff|things|belongings|possessions|pets?|clothes|jewellery|"
        r"jewelry|savings) away|(?:given|giving) away (?:all )?my (?:stuff|things|belongings|possessions|pets?|"
        r"jewellery|"
        r"jewelry)|(?:put|putting|getting|got|sorting|sorted|set|setting) (?:all )?my affairs in order(?! "
        r"before (?:the|my) (?:op|operation|surgery))",
    r"(?:will not|not going to|will no longer) be (?:a )?(?:around|here|alive|burden|problem) (?:after|past|by) "
        r"(?:tonight|tomorrow|this weekend|the weekend|friday|christmas)",
    r"tell (?:my (?:family|kids|children|wife|husband|partner|mum|dad|mom|parents|son|daughter)|them|everyone) "
        r"(?:that )?i (?:love (?:them|her|him|you)|am sorry)",
    r"(?:thank you|thanks) for everything (?:before i (?:go|leave)|(?:\w+ ){0,3}for good)|(?:saying|say|said) (?:my )?"
        r"(?:goodbyes|goodbye to (?:everyone|everybody|you all|my family|the world|you))(?! (?:at|before) )",
    # an apology or "burden" ending in goodbye; pets and belongings handed on "so they would be looked after";
    # "sorted everything now" after handing things over
    r"(?:sorry|forgive me|apologies)(?: (?:for|about) (?:being|everything|all|the|it|this))?(?: \w+| ,| \.){0,8} "
        r"(?:goodbye|farewell|bye forever|bye for good|bye everyone|bye all)<END>|burden(?: \w+| ,| \.){0,6} "
        r"(?:goodbye|farewell|bye)<END>|(?:love you all|i love you all|i love you|tell them i love them)(?: ,| \.)? "
        r"(?:goodbye|farewell|bye)<END>",
    r"(?:gave|given|giving|give|rehomed|rehoming|rehome|handed|handing|left) (?:away )?(?:my|our) (?:dog|dogs|cat|cats|"
        r"pets?|rabbit|budgie|bird|horse|stuff|things|belongings|jewellery|jewelry|savings|car|house keys)(?: "
        r"\w+){0,4}? so (?:she|he|they|it|someone|somebody) (?:would|will|can|could) (?:be )?(?:looked after|taken "
        r"care of|cared for|look after (?:it|them|him|her)|have (?:it|them))(?! (?:while|when|during|for (?:the|a)|"
        r"until|till|whilst))",
    r"(?:gave|given|rehomed|handed over)(?: \w+| ,| \.){1,10} (?:sorted|sorting|sort) (?:out )?everything(?: out)?(?: "
        r"now)?<END>|(?:sorted|tied up) (?:out )?(?:everything|all my affairs|the loose ends) (?:for|before) (?:when|"
        r"after) i (?:go|am gone|die)",
))

FEELING_UNSAFE = Rule("feeling unsafe or in danger", risk=CRISIS, negated=NONE, patterns=(
    # "I'm not safe" on its own is a plea; "not safe to drive after the op" is advice and stays out.
    r"i (?:\w+ )?am (?:<MUCH> )?(?:not|un) ?safe(?! to\b| \w+ing\b| on\b| with (?:the|these|this|that) (?:exercise|"
        r"stairs|stretch|"
        r"weights))",
    r"(?:do not|never|no longer|not|can not) (?:feel|feeling) (?:<MUCH> )?safe(?: (?:right now|anymore|any more|"
        r"tonight|here|at all|now|today|anywhere|with anyone))*(?:<END>| (?:with|around|near|at home|in my (?:own )?"
        r"(?:home|house|flat|room|bed)|in (?:the|this|our) (?:house|home|flat)))",
    r"(?:scared|afraid|fear|fearing|fearful|terrified|frightened|worried) for my (?:life|safety)|(?:i am|i think i am|"
        r"my life is) in danger",
    r"(?:someone|somebody|a man|a guy|a woman|a car|he|she|they|my ex|a stranger) (?:is|are|has been|have been|keeps|"
        r"keep|was|were) (?:following|stalking) me(?! (?:on|back on) (?:instagram|insta|twitter|x|tiktok|facebook|"
        r"social media|strava|youtube)| around (?:the|with|all day))",
    r"(?:trying to|tried to|attempting to|keeps trying to|keep trying to) (?:break|force|kick) (?:in|down (?:my|the) "
        r"door|(?:my|the|our) door (?:in|down)|(?:in|into) (?:my|the|our) (?:house|home|flat|room|place))(?! (?:my|"
        r"the|these|new) (?:shoes|boots|trainers))",
    r"(?:is|are|was|were) (?:breaking|forcing|kicking) (?:down (?:my|the) door|(?:my|the|our) door (?:in|down)|into "
        r"(?:my|the|our) (?:house|home|flat|room|place))",
    r"(?:someone|somebody|a man|an intruder|a stranger) (?:is |was )?(?:in|inside) (?:my|the|our) (?:house|home|"
        r"flat|room)|intruder(?! alarm)",
))

NUMBNESS = Rule("new numbness", risk=CRISIS, negated=NONE, past=NONE, resolved=NONE, asking=CONCERN, unless_before=(
    r"(?:ice|ice pack|cold pack|frozen peas|cold compress|numbing cream|anaesthetic|anesthetic|local|nerve block|"
    r"epidural)(?: \S+){0,7} $"
), patterns=(
    # Numbness is a red flag (nerve, spine, stroke); numbness from an ice pack or an anaesthetic is expected.
    r"numb(?:ness)? (?:in|down|on|of|around|all over) (?:my |the )?(?:whole )?<BODY>(?! (?:from|after|with|because of|"
        r"under) (?:the )?(?:ice|cold|anaesthetic|anesthetic|injection))",
    r"<BODY> (?:is|are|went|go|goes|gone|has gone|have gone|going|keeps going|keep going|feels|feel|felt|feeling|"
        r"became|has become|is going|are going) (?:completely |totally |all |really |a bit |kind of |sort of |"
        r"suddenly |very |so )?(?:(?!cold|freezing|frozen)\w+ and )?numb(?!(?: and \w+)? in the cold| when it is cold|"
        r" (?:from|after|when i|with|"
        r"because of|under|on) (?:the |a )?"
        r"(?:long )?"
        r"(?:car|drive|journey|ride|handlebars|bike|flight|train|sitting|sit|sleeping|"
        r"lying|kneeling|ice|cold|anaesthetic|anesthetic|injection))",
))

MEDICATION_MISUSE = Rule("taking more medication than prescribed", risk=CONCERN, negated=NONE, unless_before=(
    MEDICATION.unless_before
), patterns=(
    # More painkillers than prescribed: a clinician should know, but it is not an emergency on its own.
    r"(?:taking|took|take|taken|having|had) (?:extra|more|double|too many|too much)(?: of)? (?:my |the )?(?:<DRUGS>)|"
        r"more (?:\w+ ){0,4}?than (?:prescribed|i am supposed to|i should)",
))

ISOLATION = Rule("isolation or shutting down", risk=CONCERN, negated=NONE, patterns=(
    # Nobody to talk to, not leaving the house, stuck on the sofa: the slow signs that rarely name a feeling.
    r"(?:do not|have not got|have no|got no|have not|do not really) (?:really )?(?:have )?(?:anyone|anybody|any "
        r"friends|friends|family|people) (?:to talk to|to turn to|i can (?:talk|turn) to|who (?:cares|gets it|"
        r"listens))|(?:no one|nobody|no body) to (?:talk to|turn to)(?! about (?:the|my) (?:exercises|app|booking))",
    r"(?:no one|nobody|no body|not one person|not a single person)s? (?:has )?(?:messaged|texted|called|rung|phoned|"
        r"visited|spoken to|checked on|been in touch with) me(?: \w+){0,2}? (?:all week|in days|for days|for weeks|all "
        r"day|in weeks|since|all month|in ages|for ages)|<START>(?:so )?lonely<END>|i am (?:so )?lonely|(?:lonely|"
        r"isolated) (?:all the time|every day|lately|these days|since)",
    r"(?:have not|not|barely|hardly|did not|have hardly|have barely) (?:really )?(?:been|gone|left|got|stepped|went) "
        r"(?:outside|out|out of the house|out of the flat|out the house|out the door|out of my room)(?: \w+){0,2}? "
        r"(?:since|for (?:days|weeks|a week|a month|ages|\w+ days|\w+ weeks)|in (?:days|weeks|ages)|all week|all "
        r"month)(?!(?: \S+){0,6} (?:snow\w*|weather|ice|icy|storm|rain\w*|flu|covid|virus|strike|cold|bug|op|operation|"
        r"surgery|holiday|away))",
    r"(?:can not|could not) (?:get|make|drag|motivate|force) (?:myself|me) (?:to )?(?:get )?(?:up|out of bed|off the "
        r"sofa|to do anything|to get up|to move|out of the house)(?! (?:early|in time|for (?:work|the bus)))|(?:on the "
        r"sofa|on the couch|in bed) all (?:day|week)(?! (?:with|because of) (?:the |a |my )?(?:flu|cold|bug|virus|"
        r"covid|migraine))",
))

LIFE_STRESS = Rule("a family member ill or a livelihood at risk", risk=CONCERN, negated=NONE, patterns=(
    # Stress that often comes before a crisis: someone close in hospital, the job or home at risk.
    r"(?:mum|mom|dad|father|mother|husband|wife|partner|son|daughter|brother|sister|grandma|nan|grandad|granddad|"
        r"friend|baby|child|boyfriend|girlfriend)s? (?:is |has been |was |been |got )?(?:rushed |taken |admitted "
        r")?(?:in|into|to) (?:the )?(?:hospital|intensive care|icu|a and e|hospice|resus)(?! (?:for (?:a |an |her |his "
        r"|their )?(?:\w+ )?(?:check|appointment|scan|routine|op|operation|procedure|surgery|tests?|knee|hip)\b|, "
        r"nothing| nothing| but (?:it is|she is|he is) (?:fine|ok)))|(?:mum|mom|dad|husband|wife|partner|son|daughter|"
        r"brother|sister|friend|boyfriend|girlfriend) (?:has been |was |just got |got )?diagnosed with (?:cancer|"
        r"dementia|a tumour|a tumor|terminal|motor neurone|parkinsons|als|ms)",
    r"(?:worried|scared|terrified|afraid|anxious|panicking|frightened)(?: that)? (?:i am going to|i will|i might|about|"
        r"of) (?:lose|losing|being kicked out of|getting kicked out of) (?:my )?(?:job|house|home|flat|kids|children|"
        r"benefits|income)|(?:lost|losing) my (?:job|house|home|flat|income)|(?:being|getting|been|got) (?:evicted|"
        r"sacked|fired|made redundant|laid off)|(?:can not|could not) (?:pay|afford) (?:the |my )?(?:rent|mortgage|"
        r"bills)",
    r"(?:can not|could not) (?:focus|concentrate) on anything",
))

MEDICATION_SKIPPED = Rule("skipping doses", risk=CONCERN, negated=NONE, unless_before=(
    MEDICATION.unless_before
), patterns=(
    # Doses skipped for a few days or because of side effects: not yet "stopped", but a clinician should know.
    r"(?:did not|have not|not|never) (?:take|taken|taking|took) (?:my |the |any )?<MEDS>(?! yet)(?: \w+){0,2}? (?:this "
        r"weekend|this week|yesterday|last night|for (?:a )?(?:couple|few) (?:of )?days|lately|recently|because|, "
        r"(?:could not|can not))",
    r"(?:make|makes|made|making) me (?:\w+ ){0,2}?(?:dizzy|foggy|sick|drowsy|sleepy|groggy|nauseous|numb|like a zombie|"
        r"put on weight|gain weight|feel (?:weird|awful|terrible|rubbish|flat|sick))(?: \w+){0,3}? so i (?:have "
        r")?(?:been )?(?:stopped|stop|skipping|skipped|skip|not taking|halved|cut down|cutting down)(?: taking| on)? "
        r"(?:them|it|those|doses|the doses|(?:my |the )?<MEDS>)",
    r"<MEDS>(?: \S+){0,10}? (?:skipping|skipped|skip|not taking|stopped taking|avoiding|halved|halving|cutting down on|"
        r"cut down on|missing|missed) (?:them|it|those|doses)",
))

MEANS_AND_PLAN = Rule("a means with a plan or finality", risk=CRISIS, negated=CONCERN, past=CONCERN, patterns=(
    # A means on its own is everyday talk ("the bridge was closed", "my tablets"); with a plan, a goodbye, a date
    # or despair elsewhere in the same message it is how people tell intent without saying "suicide".
    r"<MEANS>",
), also=r"<FINAL>")

HOPELESS_AND_FINAL = Rule("despair with a goodbye or a date", risk=CRISIS, negated=CONCERN, past=CONCERN, patterns=(
    # "can not do this anymore" is a concern; followed by "bye" or "I won't be around" it is a farewell.
    r"(?:can not|could not) (?:do this|go on|carry on|take (?:it|this)|cope)(?: anymore| any more)?|<POINTLESS>|"
        r"none of (?:it|this) matters|nothing matters(?! (?:more|as much|like))|(?:nobody|no one) (?:needs?|wants?|wou"
        r"ld miss|will miss|cares "
        r"about) me|better off without me|(?:a|such a) burden|tired of (?:everything|living|life|it all|being alive)|"
        r"done with (?:everything|life|it all)|(?:given|giving|give) up on (?:everything|life|myself)|just stop(?:ped)?"
        r"(?: \.| ,)? (?:like )?everything|no (?:future|way out|hope)|hopeless|worthless|(?:making|made) (?:my )?peace",
), also=r"<FINALITY>|(?:bye|goodbye)<END>")

GIVING_AWAY = Rule("giving things away", risk=CRISIS, negated=CONCERN, patterns=(
    # Handing on treasured things "because I won't be needing them" is a classic sign of a decided plan;
    # handing on crutches or a brace after recovery is not.
    r"(?:gave|given|giving|give|handed|handing) (?:away )?(?:all )?(?:of )?my (?!(?:\w+ )?(?:crutch\w*|walking|stick|"
        r"frame|brace|splint|boot|wheelchair|sling|weights|bands?|tens|commode|rails|old|baby|maternity|school|"
        r"uniform))(?:\w+ ){0,6}?(?:to|"
        r"away)|(?:gave|given|giving) away",
), also=(
    r"(?:will not|not going to|am not going to) be needing (?:them|it|those|these|this|any of (?:it|them|this))<END>|"
    r"(?:will not|not going to|am not going to) need (?:them|it|those|these|any of (?:it|them))<END>|deleted (?:all "
        r")?my "
    r"(?:socials|social media|accounts)|"
    r"(?:will not|do not|not going to) need (?:them|it|any of (?:it|them)) where i am going|to remember me|(?:for |"
    r"after )?when i am gone|after i am gone|(?:when|after) i die|<FINALITY>"
))

METHOD_QUESTION = Rule("asking whether a method works", risk=CRISIS, negated=CONCERN, patterns=(
    # Research into certainty, pain or height is planning even when framed as curiosity.
    r"(?:does|would|will|did) it hurt (?:to|if you|if i) (?:drown|hang|bleed out|die|jump|overdose|suffocate)|(?:is|"
        r"does|would) (?:drowning|hanging|bleeding out|an overdose|overdosing|jumping) (?:hurt|be painful|painful|"
        r"quick)",
    r"(?:floor|storey|story|height|how high|how far|how deep|how tall)(?: \w+){0,8} (?:for it to be|to be|would be|"
        r"is) (?:certain|fatal|lethal|instant|deadly)|(?:would|could|can) (?:you|i|someone|a person) survive (?:a |"
        r"the )?(?:fall|jump|drop) (?:from|off)",
    r"(?:can not|do not|will not|would not|not) feel (?:anything|a thing|any pain|it) if (?:you|i|someone|they|a "
        r"person) (?:do|did|does) it",
    r"(?:quickest|surest|least painful|most painless|painless|most reliable|most certain) (?:way|method)s?(?: to "
        r"(?:go|do it|die|end it|end things)| out|<END>)|painless death",
    r"(?:researching|researched|looking up|looked up|googling|googled|reading up on) (?:whether|if|how) (?:\w+ ){0,8}?"
        r"(?:would be enough|would kill|is lethal|would be lethal)",
))

DANGEROUS_INGESTION = Rule("poison swallowed or a person unrousable", risk=CRISIS, negated=NONE, patterns=(
    # Household poisons drunk, a weekly drug taken daily, a child into the tablets, someone who cannot be woken.
    r"(?:drink|drank|drunk|drinking|swallow\w*|took|had|ate|eaten) (?:some |a bit of |a cup of |a glass of |a "
        r"mouthful of )?(?:bleach|antifreeze|weed ?killer|rat poison|drain cleaner|cleaning fluid|dettol|washing up "
        r"liquid|detergent|laundry (?:pods|capsules))",
    r"(?:can not|could not|can barely|can hardly) (?:wake|rouse) (?:him|her|them|my \w+)(?: up)?(?: properly)?",
    r"<DRUGS>(?: \w+){0,3} (?:every day|daily|each day|twice a day) instead of (?:once|one|weekly)",
    r"(?:he|she|they|my (?:son|daughter|kid|child|baby|toddler|grandson|granddaughter)) (?:\w+ )?(?:got into|has got "
        r"into|ate|swallowed|has swallowed|has eaten) (?:some of )?(?:my|his|her|the) <DRUGS>",
))

MIXING = Rule("downers mixed, and drowsy or drunk", risk=CRISIS, negated=CONCERN, patterns=(
    # Sedatives mixed with each other or with a lot of drink, or counted out: an overdose even when said casually.
    r"(?:mix|mixing|mixed|combine|combining|combined|with|and) (?:in )?(?:some |a few |about |like |my )?(?:\d+ )?"
        r"<DOWNERS>",
    r"(?:about |like |over |nearly )?(?:[5-9]|\d{2,}|ten|twenty|a handful of|loads of) <DRUGS>",
), also=(
    r"bottle of|pints|cans of|(?:i am|i was|so|really|very) drunk|at a party|<DOWNERS> and (?:\w+ )?<DOWNERS>|"
    r"(?:can|could) (?:barely|hardly|not) (?:keep my eyes open|stay awake|breathe|move|stand)|(?:very|really|so) "
    r"(?:drowsy|sleepy|out of it)|sleep for (?:a )?(?:very )?long|not wake up|never wake up"
))

VIOLENT_PLAN = Rule("a weapon or a target with a threat", risk=CRISIS, negated=NONE, patterns=(
    # A weapon, or knowing where someone lives, together with a grievance, a condition or "I mean it".
    r"<WEAPON>|know where (?:he|she|they|you|\w+) (?:lives?|works?|sleeps?)",
    r"(?:smash|smashing|kick|kicking|punch|punching|bash|bashing|cave|caving) (?:\w+ ){0,3}?(?:face|head|teeth|skull) "
        r"in",
), also=(
    r"i mean it|(?:going to|will|gonna|is going to) (?:pay|regret)|pay for what|(?:has|had) it coming|(?:got|have) it "
    r"(?:all )?planned|next time (?:he|she|they|that|my)|(?:using|use|used) it (?:on|against)|thinking about "
    r"(?:the )?(?:guys|people|kids|them|him|her|everyone|my \w+) at|one more word|teach (?:him|her|them) a lesson|"
    r"make (?:him|her|them) pay|sort (?:him|her|them) out|i am using it|next time i am going round|i am going round(?: "
    r"there)? (?:tonight|now)|not a figure of speech|(?:tonight|today) i am sorting (?:it|him|her|them)|just in case "
    r"(?:he|she|they) (?:starts|tries|comes|kicks off|does)|for protection|(?:going to|will|gonna) (?:hurt|stab|shoot|"
    r"kill|use it on) (?:him|her|them)|when i see (?:him|her|them)"
))

CONTROL_AT_HOME = Rule("harm, neglect or control by someone at home", risk=CRISIS, negated=NONE, patterns=(
    # Coercive control and neglect rarely use the word abuse: money, medicines, water, locked doors, a room at night.
    r"<ABUSER> (?:controls|controlled|is controlling) (?:all )?(?:of )?(?:my |the |our )?(?:money|finances|phone|meds|"
        r"medication|benefits|pension)|(?:<ABUSER>|they) (?:\w+ )?(?:takes|took|keeps taking|has taken|hides|hid|has "
        r"hidden) (?:away )?my (?:phone|money|pension|bank card|benefits|keys|passport|<MEDS>) (?:so|when|if|to stop|"
        r"away|from me)",
    r"(?:will not|would not|does not|never) (?:let|allow) me (?:\w+ ){0,6}?(?:unless|until|if i do not) (?:i )?(?:do "
        r"what|do as|give|have sex|sleep with|apologi\w*|beg|pay)",
    r"(?:<ABUSER>|they|carers?) (?:\w+ ){0,3}?(?:left|leaves|leave|kept|keeps|keep) me (?:\w+ ){0,5}?(?:without|with "
        r"no) (?:water|food|a drink|anything to (?:eat|drink)|my <MEDS>|<MEDS>)(?! for a (?:minute|moment|second))",
    r"(?:<ABUSER>|they) (?:\w+ )?(?:locks|locked|lock|keeps locking) me (?:in|out)(?! by accident| accidentally)",
    r"<ABUSER> (?:comes|came|keeps coming|sneaks|creeps) into my (?:room|bed|bedroom)(?: \w+){0,2}? (?:at night|when|"
        r"and)",
))

CAUDA_EQUINA = Rule("saddle numbness or bladder loss with back or leg signs", risk=CRISIS, negated=NONE, past=NONE,
                    asking=CONCERN, patterns=(
    # Numb or tingling "down there", a bladder that will not empty, weak legs: a spinal emergency together.
    r"(?:pins and needles|tingl\w*|numb\w*|no feeling|can not feel (?:anything|a thing)?)(?: \w+){0,4}? (?:in |round |"
        r"around |on |down )?(?:my )?(?:bum|buttocks|inner thighs|groin|saddle|down there|private parts|genitals|"
        r"when i wipe)(?! (?:from|after|because of) (?:the |a |my |that )?(?:long |hard )?(?:car|drive|journey|"
        r"sitting|bike|cycling|ride|saddle|spin|flight|train|bus|chair|stretch|exercise|class|session))",
    r"(?:wet|wetting|peed|weed) myself|(?:can not|could not) (?:pee|wee|urinate)|(?:numbness|weakness|numb|weak) in "
        r"(?:both|my) legs",
), also=(
    r"back|legs?|pee|wee|bladder|bowels?|wet myself|down there|bum|inner thighs|groin|saddle|lifting|numb\w*|weak\w*|"
    r"pins and needles|tingl\w*|sciatica"
))

STROKE_SIGNS = Rule("stroke signs together", risk=CRISIS, negated=NONE, past=NONE, asking=CONCERN, patterns=(
    # Sight, a hand, the face or speech going at once, or suddenly: call an ambulance.
    r"(?:vision|sight|eyes?) (?:went|gone|has gone|is|are|going|suddenly) (?:all )?(?:double|blurry|black|dark)|"
        r"double vision|(?:hand|arm|leg|fingers) (?:will not|can not|would not|could not) (?:grip|hold|lift|move|work)",
    # a hand or leg gone heavy or clumsy, speech gone wrong
    r"(?:hand|arm|leg|face)(?: on the (?:left|right))? (?:is|feels|went|has gone|keeps|feel) (?:\w+ )?(?:weak|heavy|"
        r"clumsy|numb|dropping things)|(?:speech|talking) (?:problem|problems|is off|is weird|is strange|difficult\w*)|"
        r"speech (?:is )?slurr\w*|(?:can not|could not) walk straight",
), also=(
    r"sudden\w*|(?:about )?(?:an|\d+|a few|two|few) (?:hours?|minutes?) ago|one side|(?:left|right) (?:hand|arm|leg|"
    r"side|face)|slurr\w*|droop\w*|confused|worst headache|double|grip|since (?:lunch|this morning|last night|an "
    r"hour|(?:\d+|an|a few|two) (?:hours?|minutes?))|speech|dropping things|blur\w*|one eye|clumsy|heavy"
))

HEART_SIGNS = Rule("chest and arm signs together", risk=CRISIS, negated=NONE, past=NONE, asking=CONCERN, patterns=(
    # Chest pressure described sideways ("like an elephant sitting on it") or left-arm pain with a chest sign.
    r"chest (?:feels|felt|is) like (?:an? \w+|something|someone) (?:is |was )?(?:sitting|standing|pressing|"
        r"squeezing)|pain (?:down|in|up) (?:my )?left arm",
), also=r"chest|jaw|breath\w*|sweat\w*|clammy|nause\w*|elephant|crushing|pressure|left arm")

STEROID_STOP = Rule("ran out of a medicine that must not stop, and unwell", risk=CRISIS, negated=NONE, patterns=(
    # Steroids, epilepsy or heart drugs stopped suddenly can be an emergency when symptoms follow.
    r"(?:ran out|run out|running out|out) of (?:my )?<MEDS>",
), also=r"dizzy|vomit\w*|being sick|throwing up|shaking|seizure|fit|faint\w*|collaps\w*|confused|can not stand")

SELF_HARM_SIDEWAYS = Rule("self-harm told sideways", risk=CRISIS, negated=NONE, past=CONCERN, patterns=(
    # Relapse after being clean, blades hidden from family, starving or head-banging to punish or to cope.
    r"<START>(?:i )?(?:cut|cutting) again(?! (?:the|my|some|it|them|a|an|her|his))|(?:cut|cutting|harmed|hurt "
        r"<SELF>|burned <SELF>)(?: \w+){0,4} after (?:\w+ ){1,2}(?:months?|weeks?|days?|years?) (?:clean|free)",
    r"(?:hiding|hide|hid|hidden|stash\w*|keep|keeping) (?:the |my |some |a )?(?:blades?|razors?|razor blades|"
        r"sharpeners?|rope|lighter)(?: \w+){0,6}? so (?:my )?(?:mum|mom|dad|parents?|partner|husband|wife|boyfriend|"
        r"girlfriend|family|nobody|no one|they|carer|therapist) (?:\w+ )?(?:does not|do not|will not|can not|would "
        r"not|never|is not|are not) (?:find|see|know|notice)",
    r"(?:not|have not|did not|stopped) (?:eaten|eating|eat)(?: \w+| ,){0,5}? (?:on purpose|deliberately|to punish)|"
        r"punish\w* <SELF>(?: \w+){0,4}? (?:by|with) (?:not eating|starving|cutting|hurting|burning)|(?:have not|not) "
        r"eaten(?: \w+){0,4} , punish\w* <SELF>",
    r"(?:hitting|banging|hit|banged|smash\w*|slam\w*) my head (?:against|on|into) (?:the|a) (?:wall|door|floor|desk)"
        r"(?=(?: \S+){0,25} (?:so hard|saw stars|bled|bleed\w*|bruis\w*|only thing|lump|dizzy|until|till|to stop|to "
        r"feel|on purpose))",
))


NOTE_LEFT = Rule("a note left for family", risk=CRISIS, negated=CONCERN, patterns=(
    # A letter written to the people closest, with an apology or a place to find it: a suicide note in all but name.
    r"(?:left|leave|leaving|wrote|written|writing|write) (?:a |the |my )?(?:letters?|notes?) (?:for|to) (?:(?:my|both|"
        r"both my|the|all my) (?:wife|husband|partner|kids|children|mum|mom|dad|parents|family|son|daughter|sister|"
        r"brother|girlfriend|boyfriend)|everyone|each of (?:them|you))",
    r"(?:i have |i )?(?:written|wrote|left) (?:a|the|my) note<END>",
), also=(
    r"sorry|forgive|love (?:them|her|him|you)|drawer|find it|goodbye|when i am gone|after i am gone|<FINAL>|where to "
    r"look|knows where|thank(?:s| you) for (?:everything|all the)|(?:gave|given) (?:the|my) (?:dog|cat|pets?)"
))

COUNTED_SUPPLY = Rule("a counted supply with finality", risk=CRISIS, negated=CONCERN, past=CONCERN, patterns=(
    # Dozens of tablets to hand and "I'm done": a supply kept for one purpose.
    r"(?:\d{2,}|twenty|thirty|forty|fifty|sixty|a hundred) (?:of )?(?:my |the )?<DRUGS>",
), also=r"<FINAL>|i am (?:so |just )?(?:done|finished)<END>|here<END>|ready<END>")

THREATS_AT_HOME = Rule("threats or things thrown at home", risk=CRISIS, negated=NONE, patterns=(
    # Threats to maim and objects thrown at the patient, and money kept from them by someone at home.
    r"<ABUSER> (?:said|says|threatened|told me|swore|screamed|shouted)(?: that)? (?:\w+ ){0,3}?(?:break|snap|smash|"
        r"bash) my (?:neck|legs?|arms?|jaw|face|head|teeth)",
    r"<ABUSER> (?:threw|throws|chucked|chucks|hurled|hurls) (?:a |the |his |her |my )?(?!ball|pillow|cushion|sock|"
        r"towel|frisbee|party|tantrum)\w+ (?:at|to) me",
    r"(?:<ABUSER>|(?:my )?(?:mum|mom|dad)s (?:partner|boyfriend|girlfriend)) (?:keeps|kept|has|takes|took) (?:all )?my "
        r"(?:benefits|bank|pension|wages|money)(?: card)?(?: \w+){0,4}? (?:only (?:gives|lets|allows) me|and gives me|"
        r"so i can not|gives me (?:a|an)? ?(?:allowance|pocket money))",
))

FACE_AND_SPEECH = Rule("face or speech going", risk=CRISIS, negated=NONE, past=NONE, asking=CONCERN, patterns=(
    # A face that feels droopy, words that come out wrong: stroke until proven otherwise.
    r"(?:face|mouth|smile|eyelid|lip) (?:feels|looks|is|went|has gone|gone|is going|seems) (?:\w+ )?(?:droopy|"
        r"drooping|lopsided|heavy on one side)|words (?:are )?(?:coming out|come out|came out) (?:all )?(?:wrong|"
        r"jumbled|funny|slurred|muddled)",
))

CLOT_SIGNS = Rule("a swollen leg and breathlessness", risk=CRISIS, negated=NONE, past=NONE, asking=CONCERN, patterns=(
    # A hot swollen calf with breathlessness or chest pain: a clot that may have moved to the lungs.
    r"(?:calf|leg|thigh) (?:is |feels |has gone |went )?(?:\w+ ){0,3}?(?:swollen|red|hot)|swollen (?:red |hot )?"
        r"(?:calf|leg)",
), also=r"short of breath|breathless|out of breath|can not catch my breath|chest pain|pain in my chest|coughing "
        r"(?:up )?blood")

INTENT_SIDEWAYS = Rule("intent said sideways", risk=CRISIS, negated=CONCERN, past=CONCERN, patterns=(
    # A decision to stop living put formally or vaguely: "not continue my life", "you will know why".
    r"(?:will not|not going to|do not want to|do not intend to|no longer want to) (?:continue|carry on with|go on "
        r"with|keep) (?:my life|living|this life|being alive)",
    r"(?:made up my mind|decided|my mind is made up|decision)(?: \w+){0,3} (?:about |on )?(?:ending|to end|end) "
        r"(?:things|it|my life)(?! (?:with|between|for|off))",
    r"if i (?:am not|do not|never|stop|can not)(?: \w+| ,){0,8} (?:you will|you would|then you will|everyone will|"
        r"you all will) (?:know|understand) why",
    r"(?:said|say|saying|said all) (?:my )?goodbyes?(?: to (?:\w+ ){0,2}?\w+)?(?: \.| ,)? (?:and )?(?:i am|i feel) "
        r"(?:ready|at peace|calm now)<END>",
    r"garage (?:\w+ ){0,3}?(?:car|engine) running|(?:car|engine) running in the garage|hose ?pipe (?:\w+ ){0,3}?"
        r"exhaust|not a cry for help",
    r"(?:want|wanted|wish|need|going) to (?:just )?(?:disappear|vanish|go away|be gone|not be here) (?:for good|"
        r"forever|for ever|permanently)",
    r"if i (?:will not|am not going to) be (?:here|around|alive)|(?:will not|not going to) be (?:here|around|alive)"
        r"(?: \w+){0,3} (?:anyway|much longer|for long)<END>",
))

# --- families said sideways, in everyday words -----------------------------------------------

_VEHICLE = r"(?:bus|car|lorry|truck|train|van|tram)"
_TOOL_GUNS = (
    r"(?<!massage gun)(?<!glue gun)(?<!heat gun)(?<!nail gun)(?<!staple gun)(?<!water gun)(?<!nerf gun)(?<!toy gun)"
)
"""Guns that are tools or toys; checked after "gun" matched, so they cost nothing elsewhere."""

PASSIVE_DEATH_WISH = Rule("a passive wish to die", risk=CRISIS, negated=CONCERN, past=CONCERN, joking=CONCERN,
                          others=CONCERN, patterns=(
    # Not planning, just not minding: "pray I won't see the morning", "wouldn't mind if the op went wrong",
    # "if a bus hit me it wouldn't be the worst thing", "hope the plane goes down".
    r"(?:pray|praying|prayed|hope|hoping|wish) (?:every night |each night |at night )?(?:that )?(?:i (?:will not|do "
        r"not|would not|never) (?:see|make it to|wake up to|live to see|survive) (?:the |another )?(?:morning|"
        r"tomorrow|night|week|christmas|next \w+)|(?:the lord|god|jesus) (?:takes|will take|would take|would "
        r"just take|comes for) me)",
    r"(?:would not|will not|would not really) (?:mind|care) if (?:\w+ ){0,6}?(?:i (?:just )?(?:died|did not (?:come "
        r"round|wake up|make it|survive)|never woke up|was gone|stopped existing)|(?:it|the op|the operation|the "
        r"surgery|the anaesthetic) (?:went|goes|go) wrong|(?:a|the) " + _VEHICLE + r" (?:hit|hits) me|my heart "
        r"(?:just )?stopped)",
    r"(?:(?:hit|run over|knocked down|flattened) by (?:a|the) " + _VEHICLE + r"|(?:a|the) " + _VEHICLE + r" (?:hit|"
        r"hits|ran|runs|knocked|knocks) me(?: over| down)?)(?: \w+| ,){0,6}? (?:would not|would "
        r"not really|is not|would) be (?:the worst thing|so bad|a bad thing|a relief|a blessing)|(?:would not|would "
        r"it) be (?:the worst thing|so bad|a bad thing|a relief|such a bad thing) if (?:\w+ ){0,3}?(?:i (?:just )?"
        r"(?:died|stopped existing|was gone|did not wake up|got hit)|(?:a|the) " + _VEHICLE + r" (?:hit|hits) me)",
    r"(?:would|will) (?:honestly |really |actually )?be (?:fine|ok|relieved|glad|happy) if my heart (?:just )?"
        r"(?:stopped|gave out|gave up)|(?:if|when) i (?:just )?stopped existing",
    r"(?:hope|hoping|wish|pray) (?:that )?(?:the|my) (?:plane|flight|train|car|bus|boat|ferry) (?:goes down|crashes|"
        r"would crash|will crash|comes off the|goes off the road|sinks)(?! (?:well|smoothly|ok|alright|fine|on time))",
    r"wish it (?:had been|was|were|could have been) me (?:instead|not (?:him|her|them)|in (?:that|the) (?:crash|"
        r"car|accident))",
    r"(?:nearly|almost) (?:\w+ ){0,2}?(?:hit|clipped|knocked|ran) me(?: \w+| ,){0,10}? (?:disappoint\w*|(?:wish|"
        r"wished) (?:it|they|he|she) had)",
    r"(?:only|one) way (?:\w+ ){0,4}?(?:is|would be|will be) (?:if i (?:stop|die|am gone|was gone|am not here|do not "
        r"wake up)|to (?:die|stop existing|not be here|end it|end my life)|death|dying)<END>",
    r"(?:will not|do not|not going to) need (?:this|my) (?:body|life)(?! (?:jacket|insurance|coach))|(?:body|life) i "
        r"(?:will not|am not going to|do not) need (?:much longer|for (?:much )?long(?:er)?)",
    r"(?:the )?only (?:reason|thing) (?:i am still|i have not|keeping me|stopping me|that keeps me|that stops me)"
        r"(?: \w+){0,2}? (?:here|alive|around|ended it|done it|killed <SELF>|gone through with it|from doing it)",
    r"(?:checking|check|checked) out (?:for good|permanently|of (?:this )?life)",
))

BEREAVED_LONGING = Rule("longing to join someone who died", risk=CRISIS, negated=CONCERN, patterns=(
    # "All I want is to be with him" after a death is a wish to die, however gently put.
    r"(?:want|wish|long|longing|all i want is|i just want) (?:is )?to be with (?:him|her|them|my (?:husband|wife|son|"
        r"daughter|mum|dad|partner|baby))(?: again| soon| in heaven| up there)?",
), also=r"died|passed (?:away|on)|death|lost (?:him|her|them|my)|funeral|heaven|widow\w*|since (?:he|she) went")

NOT_THE_APP = Rule("done, and not with the app", risk=CRISIS, negated=CONCERN, patterns=(
    # "I'm done, and I don't mean with the group": despair pointed away from the programme, at life.
    r"(?:done|finished|had enough|can not do this(?: anymore| any more)?|over it|giving up)(?: \w+| ,| \.){0,3} "
        r"(?:and |but )?i do not mean (?:with )?(?:the |this |your )?(?:group|app|exercises|programme|program|physio|"
        r"session|sessions|rehab|course|bot|check ins?)",
    r"(?:<START>|(?:no|not) (?:the|this) \w+ (?:, |\. )?)i mean (?:being alive|with life|living|life|existing)<END>",
))

LIFE_NOT_LIFE = Rule("this is not a life", risk=CRISIS, negated=CONCERN, patterns=(
    # "Life after the stroke isn't life" with "I don't want to continue": not wanting to go on living.
    r"(?:is not|is no|this is not|that is not|it is not) (?:a |really )?(?:life|living|a life)<END>",
), also=r"do not want to (?:continue|go on|carry on)<END>|<FINAL>|<POINTLESS>")

DRIVING_INTO = Rule("a crash, a platform, the sea, imagined", risk=CRISIS, negated=CONCERN, past=CONCERN,
                    joking=CONCERN, patterns=(
    # Where a death would look like an accident: swerving, letting go of the wheel, a platform, the sea.
    r"(?:swerv\w*|veer\w*|steer\w*|yank\w*) (?:my car |the car |the wheel |off )?(?:into|off|towards|across) "
        r"(?:a|the) (?:barrier|wall|tree|bridge|lorry|truck|oncoming|central reservation|pillar|river|sea|bus|traffic)"
        r"(?! (?:by accident|accidentally|to avoid))",
    r"(?:think|thinking|thought|imagine|imagining|tempted|want) (?:about |of |to )?(?:just )?(?:letting go of|let go "
        r"of|taking my hands off) the (?:steering )?wheel",
    r"(?:step|stepped|stepping|jump|jumped|fall|falling|walk|walked|lean|leaning) (?:off|over) (?:the|a) (?:platform|"
        r"edge of the platform)(?: [\w.]+){0,5}? (?:when|as|before) (?:the|a) (?:[\w.]+ ){0,3}?(?:comes|came|goes|"
        r"passes|arrives|pulls in)",
    r"(?:if i|i could|i might|i want to|wondering if i) (?:just )?(?:walked|walk|waded|wade|swam|swim|went) (?:out )?"
        r"into the (?:sea|river|lake|ocean|water|waves)(?! (?:for|with|to cool|on holiday))",
    r"(?:bridge|tracks|platform|cliff|ledge|railway|drop)(?: \w+){0,8}? (?:looks|look|looking|seems|is|getting|gets) "
        r"(?:more |so |really |very |quite )?(?:tempting|inviting)",
    r"(?:stop|stopping|stopped|stand|standing|stood|linger\w*) (?:on|at|by) the (?:bridge|edge|tracks|platform edge|"
        r"cliff|railway)(?: \w+){0,6}? (?:thinking about|wondering about|thinking of) (?:it|jumping|the drop|going "
        r"over)",
    r"(?:thinking|think|thought|keep thinking) about (?:the )?(?:garage|car|hose ?pipe|hose|exhaust)(?: and (?:the )?"
        r"(?:garage|car|hose ?pipe|hose|exhaust|engine)){1,2}",
))

INTENT_PLANNED = Rule("how and when, planned", risk=CRISIS, negated=CONCERN, past=CONCERN, patterns=(
    # A method worked out, a note found afterwards, a life insured for the family, "not sure I won't tonight".
    r"(?:planning|planned|plan|worked out|working out|figured out|figuring out) (?:exactly )?how (?:i would|i will|i "
        r"am going to|i could|to) do it(?: \.| ,)? (?:i )?(?:have not|not|just not|still not) (?:decided|worked out|"
        r"picked|chosen|set) (?:when|the (?:day|date))",
    r"(?:plan|planning|plans) (?:on |to )?(?:not|never) (?:be|being) (?:here|around|alive) (?:by|after|at|for|past|"
        r"much longer)|(?:do not|not) plan (?:on|to) (?:be|being) (?:here|around|alive) (?:for (?:it|that|them|"
        r"long|much longer)|much longer|anymore|any more)",
    r"(?:if|when) (?:anyone|anybody|someone|you|they|my \w+) (?:reads|read|finds|find) this (?:afterwards|after|when "
        r"i am gone|later)|by the time (?:you|anyone|someone|they) (?:read|reads|see|sees|find|finds) this",
    r"(?:would|will|could|can|should) (?:get|have|claim|collect) (?:the|my) (?:life insurance|insurance money|"
        r"insurance payout|death in service)(?! (?:sorted|renewed|quotes?|paperwork|done|set up|through))",
    r"(?:not sure|do not know if|can not promise) i (?:will not|can not (?:stop|resist|hold off)|can stop|will be "
        r"able to stop)(?: tonight| today| later| again)?<END>",
    r"(?:thought|thinking|think) about (?:it|ending it|it all) again(?: \w+| ,| \.){0,8} (?:the )?ending it "
        r"(?:thing|thoughts?|stuff|idea)|(?:the )?ending (?:it|things|my life) (?:thing|thoughts|idea|plan)",
    r"(?:i will|i would|i am going to|i could) (?:just )?(?:end it|end things|finish it|finish things) (?:myself|my "
        r"way)(?: \w+){0,2}? before (?:it|the \w+|things|that) (?:gets|get|goes|spreads|comes)|(?:i will|i would|i am "
        r"going to|i could) (?:just )?end (?:it|things) (?:myself|my way)|finish <SELF> off",
    r"(?:sat|sitting|sit) (?:there )?with (?:the|my|all (?:the|my)) (?:pills|tablets|blade|razor|knife|rope|gun) "
        r"(?:in my (?:hand|hands|lap)|for (?:ages|hours)|all night)",
))

DAY_CHOSEN = Rule("a day chosen, a place picked", risk=CRISIS, negated=CONCERN, patterns=(
    # "Sunday is the day. I've picked a spot": a date with a place or "don't try to change my mind".
    r"<START>(?:tonight|today|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|this weekend|"
        r"next week) is the (?:day|night)<END>",
    r"(?:picked|chosen|chose|found) (?:a|the) (?:spot|place)(?: \w+){0,2}? (?:by|at|near|on|off) (?:the )?(?:lake|"
        r"river|bridge|cliffs?|sea|woods|tracks|coast|railway|quarry)",
), also=(
    r"(?:do not|please do not|no one can|nobody can) (?:try to )?(?:change my mind|stop me|talk me out of it)|will "
    r"not (?:reply|answer)|<FINALITY>|(?:picked|chosen) (?:a|the) (?:spot|place)|is the (?:day|night)"
))

LAST_WORDS = Rule("a last check-in or goodbye", risk=CRISIS, negated=CONCERN, unless_before=(
    r"(?:discharg\w*|graduat\w*|finish\w* (?:the|my) (?:programme|program|course|rehab)|(?:programme|program|course|"
    r"rehab) (?:ends|is over|finished)|last week of|moving)(?: \S+){0,8} $"
), patterns=(
    # "this is my last check in", "so this is goodbye", "won't be there Thursday or after", "won't need a return".
    r"(?:this is|consider this|this will be) (?:my )?(?:last|final) (?:check ?in|check ins|entry|update|mood score|"
        r"log)(?! (?:, |\. )?(?:for|of|before|until|till|tonight|this|today|about|as|because|cos|since|i am away|on|"
        r"i am (?:being )?discharged)\b)",
    r"(?:<START>|so |then |well |i guess )(?:this is|it is) goodbye(?! (?:to|for now|for the summer|until|till|for a "
        r"(?:while|bit|few|week|month)|from (?:me )?for)\b)",
    r"(?:will not|not going to|can not) be (?:there|here|around|at group|in group|coming) (?:\w+ ){0,3}?(?:or (?:after|"
        r"afterwards|ever again|any other \w+)|or any time after|ever again)",
    r"(?:will not|do not|not going to) need a return(?: ticket| journey| trip)?<END>",
))

SETTLING_UP = Rule("affairs settled, with calm or a goodbye", risk=CRISIS, negated=CONCERN, patterns=(
    # Accounts closed, debts paid, subscriptions cancelled, socials deleted, a pet handed on, and then "ready",
    # "weirdly peaceful", "bye": putting things in order before going.
    r"(?:cancel\w*|stopped) (?:all )?my (?:\w+ )?(?:subscriptions|appointments|direct debits|sessions|contracts|"
        r"memberships)|paid (?:back|off) (?:what i owe|everyone|all my debts|my debts|everything i owe)|deleted "
        r"(?:all )?my (?:socials|social media|accounts|instagram|facebook|profiles)|(?:said|say|saying) (?:a "
        r")?(?:proper "
        r"|final |last )?(?:goodbye|bye) to (?:my |the )?\w+|cleaned the (?:flat|house) (?:from )?top to bottom|"
        r"(?:gave|given|handed) (?:the|my) (?:dog|cat|pets?) to",
), also=(
    r"<FINALITY>|ready(?: now)?<END>|(?:feel|feels|feeling|felt) (?:so |weirdly |strangely |oddly )?(?:peaceful|"
    r"at peace|calm now|calmer now)|(?:weirdly|strangely|oddly) (?:peaceful|calm)|(?:now )?it is decided|bye "
    r"(?:coach|everyone|all|group|guys)|do not bother replying|(?:will not|do not) need (?:them|it)<END>|(?:wrote|"
    r"written|writing) (?:\w+ )?letters|thanks for (?:all the|everything)|proper goodbye"
))

WILL_WITH_FINALITY = Rule("a will or insurance sorted, and decided", risk=CRISIS, negated=CONCERN, patterns=(
    # A will or the insurance papers are everyday for older patients; with "it's decided", "before I go" or a
    # proper goodbye they are a plan.
    r"(?:made|sorted|finished|finish|updated|signed|wrote|written|did|done) (?:out |up )?(?:my|the) will|my will is "
        r"(?:done|sorted|signed|written)|(?:sorted|organised|organized|put|left) (?:out )?(?:all )?(?:the |my )?"
        r"(?:insurance|pension|bank|financial) (?:papers|documents|details|policy|policies|stuff)",
), also=(
    r"<FINALITY>|(?:now )?it is decided|tied up before i (?:go|am gone|die)<END>|before i (?:go|am gone)<END>|"
    r"(?:say|said|saying) (?:a )?(?:proper|final|last) goodbye|ready now"
))

APOLOGY_AND_MESSAGE = Rule("an apology with a message passed on", risk=CRISIS, negated=CONCERN, patterns=(
    # "Sorry I was such hard work. Tell Anna she was kind to me": a last message in the form of an apology.
    r"sorry (?:i was|for being|i have been|to have been) (?:such |so much )?(?:hard work|a burden|a pain|trouble|a "
        r"nuisance|so difficult|a let down|a disappointment|a failure)",
), also=(
    r"tell (?:\w+ ){1,4}?(?:she|he|they|i) (?:was|were|is|are|love|am)|<FINALITY>|i mean it|(?:goodbye|bye)<END>|"
    r"thank (?:you|u) for (?:everything|trying|putting up)"
))

SELF_INJURY_TOLD = Rule("self-injury in its own words", risk=CRISIS, negated=NONE, past=CONCERN, others=NONE,
                        patterns=(
    # Cuts hidden under sleeves, "a few lines on my thigh", a compass used, cuts getting deeper.
    r"(?:(?:a|just a|only a) few|few|small|little|some|a couple of) (?:lines|cuts) on my (?:<BODY>|wrists?|stomach|"
        r"hips?)(?! (?:from|after|off))|(?:one|a) (?:small |little |quick |tiny )?cut and i (?:can|feel|could)",
    r"(?:hide|hiding|hid) (?:the |my |your )?(?:cuts|burns|fresh marks)|(?:wear|wearing|wore) (?:long )?sleeves "
        r"(?:\w+ ){0,3}?so (?:nobody|no one|people|they|my \w+) (?:sees|see|can see|notices|notice|knows)(?! my "
        r"(?:eczema|psoriasis|tattoos?|rash))|the sleeves stay down",
    r"(?:scratch\w*|cutting|carv\w*) (?:again )?with (?:the |a |my )?(?:compass|razor|blade|safety pin|pin|sharpener|"
        r"broken glass)",
    r"(?:cuts|cutting) (?:are|is|getting|got|have got) (?:\w+ )?(?:deeper|worse)",
))

SELF_INJURY_HINTED = Rule("self-injury hinted, with why", risk=CRISIS, negated=NONE, past=CONCERN, others=NONE,
                          patterns=(
    # Nails, head, teeth, a razor or "the old thing", told with why: to feel something, to calm down, to sleep.
    r"(?:dug|dig|digging|digs) my (?:finger)?nails into (?:my )?(?:own )?(?:<BODY>|skin|palms?|wrists?)",
    r"(?:bang\w*|hit|hitting|smash\w*|slam\w*) my head (?:\w+ ){0,4}?(?:on|against|into) (?:the|a) (?:brick )?(?:wall|"
        r"door|floor|desk)",
    r"(?:bit|bite|biting|bitten) (?:my own|<SELF> on the) (?:<BODY>|skin|wrists?)",
    r"(?:did|done|doing|do) the old thing(?: instead| again)|old habits (?:are |is )?back",
    r"(?:used|using|got out|picked up) (?:the|my) (?:razor|blade|blades)(?: \w+){0,2}? again",
    r"the (?:blade|razor|blades) is (?:on|in|next to|under) (?:my|the) (?:desk|bed|drawer|pillow|bag)",
    r"(?:only |just )?scratched (?:a bit|a little|<SELF>)(?! (?:on|by accident|accidentally|shaving))",
), also=(
    r"on purpose|deliberately|so hard|until|bled|bleed\w*|bruis\w*|purple|only thing|to feel|feel something|"
        r"calm(?:ed)? "
    r"(?:me )?down|helps me|punish\w*|deserve|angry at <SELF>|breathe again|flashbacks|sleeves|do not tell|not deep|"
        r"not "
    r"a big deal|you know the one|used it|a few times|only a few|just a few|make a fuss|not sure i will not|works "
    r"better|only way"
))

RELAPSE_TOLD = Rule("a relapse told in passing", risk=CRISIS, negated=NONE, past=CONCERN, patterns=(
    # Counted sobriety ending ("14 months clean gone", "sober day 0", "first time in 2 years"), "used" on its
    # own, "more than a few".
    r"(?:\w+ (?:years?|months?|weeks?|days?) (?:sober|clean|dry)|(?:sober|clean|dry) (?:for )?\w+ (?:years?|months?|"
        r"weeks?))(?: \w+| ,){0,3}? (?:and|but|then|,) (?:i |tonight i |today i )?(?:had a drink|drank|used(?:<END>| "
        r"again)|picked up (?:again|a drink|a bottle)|relapsed|caved|slipped)",
    r"(?:had|drank|had a|first) (?:a )?drink\w* (?:\w+ ){0,2}?after (?:\w+ ){1,2}(?:years?|months?|weeks?) "
        r"(?:sober|clean|dry|off it)|(?:drinking|drunk|drank|used|using)(?: \w+| ,){0,4}? first time in (?:\w+ )"
        r"{0,2}?(?:years?|months?)",
    r"(?:clean|sober|dry) (?:time |streak )?(?:gone|down the drain|wasted|ruined|out the window)|(?:sober|clean|dry) "
        r"day (?:0|zero)|back to day (?:0|zero|one|1)(?! of (?:the|my) (?:programme|program|exercises|plan))|day "
        r"(?:0|zero) (?:again|sober|clean)",
    r"<START>(?:so |and |then |yeah |slipped (?:\. )?)*(?:i )?used(?: again)?(?: (?:friday|saturday|sunday|monday|"
        r"tuesday|wednesday|thursday|last night|yesterday|today|tonight|at the weekend))?<END>",
    r"(?:drinks?|bevvies|beers?|pints|glasses|cans|wines?) (?:\w+ ){0,4}?(?:ok |okay |well |actually |honestly |"
        r", |\. )*(?:a lot |way )?more than a (?:few|couple)|(?:have not|not) (?:really )?stopped (?:drinking )?"
        r"since (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|last \w+|the weekend)",
))

OVERTAKEN_AND_UNWELL = Rule("far more than prescribed, and unwell", risk=CRISIS, negated=CONCERN, patterns=(
    # More than the dose, someone else's tablets on top, a week's box at once, then drowsy, weird or counting lost.
    r"(?:took|taken|taking|take|swallowed|used|using) (?:way |much |a lot |loads |far |a bit )?more (?:of )?(?:my |the "
        r"|these )?(?:\w+ ){0,2}?than (?:prescribed|i am (?:meant|supposed|allowed) to|i should|it says|the box says)",
    r"(?:took|taken|taking|had) (?:a couple|a few|two|some) (?:extra|more)(?: \w+| ,){0,8}? (?:then|and) (?:a couple|a "
        r"few|some|two) more",
    r"(?:took|taken|swallowed|had) (?:\w+ ){0,3}?(?:the whole|a whole|all the|all of the) (?:days?|weeks?|week s|"
        r"month s|months?) (?:of |worth of )?(?:\w+ ){0,2}?(?:tablets|pills|doses|meds)",
    r"(?:taking|took|take|been taking|using|had) (?:my )?(?:mums|dads|mothers|fathers|husbands|wifes|partners|nans|"
        r"friends|sisters|brothers|grans|someone elses) (?:<DRUGS>)",
), also=(
    r"drows\w*|sleepy|weird|out of it|(?:can not|could not) (?:remember|stay awake|keep my eyes open)|racing|dizzy|"
    r"confused|woozy|spaced|(?:\d+|six|eight|ten) a day|on top of (?:mine|my own)|how many|at once"
))

WEAPON_AT_HAND = Rule("a gun to hand", risk=CRISIS, negated=NONE, patterns=(
    # A firearm taken out, kept in the bedroom, sat with, or thought about: access is the danger.
    r"(?:gun" + _TOOL_GUNS + r"|shotgun|rifle|pistol|firearm)(?! (?:show|club|range|licen[cs]e))",
), also=(
    r"(?:out of|from) the (?:gun )?(?:safe|cabinet|locker)|(?:sit|sat|sitting|sits) with it|(?:in|under) my (?:room|"
    r"bed|pillow|bag)|(?:thinking|thought) about (?:it|using it)|know where (?:\w+ ){0,3}keeps?|loaded|bullets|<FINAL>"
))

STALKING_A_TARGET = Rule("watching or waiting for someone", risk=CRISIS, negated=NONE, joking=NONE, patterns=(
    # Watching an ex's house, waiting in the car park, knowing where someone parks: a grievance turned to pursuit.
    r"(?:been|keep|kept|i am|started|i have been) (?:watching|sitting outside|parking outside|waiting outside|driving "
        r"past|following) (?:his|her|their|my ex\w*) (?:house|flat|place|home|work|office|car)",
    r"wait (?:for|outside) (?:him|her|them|\w+) (?:in|outside|after|at) (?:\w+ ){0,4}?and (?:make|teach|sort|hurt|show|"
        r"get|deal with)",
    r"know where (?:\w+ ){1,6}?(?:lives?|works?|sleeps?|parks?)",
    r"(?:want|wants|going|gonna|will|i will) (?:to )?(?:make|see) (?:him|her|them|my (?:ex|boss|manager|neighbou?r)) "
        r"(?:pay|suffer|regret it)",
), also=(
    r"make (?:him|her|them|my \w+) (?:pay|regret|suffer)|regret it|revenge|what i (?:could|would|will|am going to) do "
    r"to|(?:will not|not going to|never) (?:walk|see|talk|look) (?:right|straight|properly|again|the same)|after i am "
    r"done|teach (?:him|her|them)|get (?:him|her|them) back|<WEAPON>|humiliated|pay for|been watching"
))

PHONE_WATCHED = Rule("a phone watched, and afraid", risk=CRISIS, negated=NONE, patterns=(
    # "He checks my phone so I delete these": coercive control, with messages hidden or times to avoid.
    r"(?:he|she|<ABUSER>|they) (?:checks|reads|goes through|monitors|tracks|looks through) (?:all )?my (?:phone|"
        r"messages|texts|emails)",
), also=(
    r"delete|(?:do not|please do not|never) (?:message|text|call|contact)|after \d|when (?:he|she|they) (?:is|are|"
        r"gets) "
    r"home|not allowed|(?:does not|will not) (?:like|let)|scared|afraid|hide|secret"
))

UNSAFE_AT_HOME_SIDEWAYS = Rule("threatened or shut out at home", risk=CRISIS, negated=NONE, patterns=(
    # Coercive control told quietly: no money of my own, a threat to take the kids, "nobody will believe you",
    # "can't talk, he's in the next room", rough handling by a carer, an elder pushed by a son.
    r"(?:not allowed|am not allowed|never allowed) (?:to have )?(?:any )?(?:money|my own money|money of my own|a bank "
        r"card|my (?:bank )?card)|checks every (?:receipt|penny|purchase)",
    r"(?:said|says|told me|threatened|warned|tells me)(?: that)? if i(?: \w+| ,){1,8}? (?:he|she|they) (?:will|would|"
        r"is "
        r"going to|was going to|going to) take (?:the|my|our) (?:kids|children|baby|son|daughter)",
    r"(?:said|says|told me|threatened|warned|tells me)(?: that)? if i(?: \w+| ,){1,8}? (?:nobody|no one) (?:will|"
        r"would) "
        r"(?:ever )?(?:see|find|hear from) (?:me|you) again",
    r"(?:he|she|they|<ABUSER>|carers?|staff)(?: \w+){0,3}? (?:says|said|tells me|told me|keeps saying)(?: that)? "
        r"(?:if i(?: \w+){1,6}? )?(?:nobody|no one) (?:will |would )?(?:ever )?believes? (?:me|you|an old|a)",
    r"(?:carer|caregiver|care worker|nurse|staff)(?: \w+){0,4}? (?:is|are|gets|got|was|were) (?:really |so |very )?"
        r"rough with me",
    r"<ABUSER> (?:shouts|screams|yells|swears)(?: at me)? and (?:pushes|shoves|hits|slaps|kicks|grabs|shakes|punches|"
        r"pinches) me",
    r"(?:he|she|<ABUSER>|landlord)(?: \w+)? (?:tried|tries|trying|keeps trying) to (?:grab|touch|kiss|hit|punch|hurt|"
        r"strangle|choke|drag|force) me|(?:keeps|kept) letting (?:himself|herself|themselves) in",
    r"(?:can not|could not|scared to|afraid to|too scared to|dare not) go (?:back )?(?:in|into|inside|home|back)(?: "
        r"(?:the|my) (?:house|flat|home))? (?:with|while) (?:him|her|them|my \w+)(?: \w+)?(?: like this| there| home|"
        r" in there| drunk| awake| here)",
    r"(?:can not|could not) (?:talk|speak|call|write)(?: now| right now| long)?(?: ,| \.)? (?:he|she|they) (?:is|are) "
        r"(?:in the next room|listening|next door|watching|in the other room|outside the door)",
    r"<START>(?:it is |i am )?not safe (?:here|at home|in (?:the|this|my) (?:house|flat|home))<END>",
    r"bruises?(?: on my \w+)? (?:are |is )?(?:from|because of) (?:him|her|my (?:husband|wife|partner|boyfriend|"
        r"girlfriend|dad|mum|son|carer))(?! (?:hugging|playing))",
))

NOWHERE_TONIGHT = Rule("thrown out with nowhere to sleep", risk=CRISIS, negated=NONE, patterns=(
    # A teenager thrown out, a partner fled to the car: nowhere safe to sleep tonight.
    r"(?:sleeping|sleep|slept|spend the night|spending the night) (?:in (?:the|a|my) (?:park|car|street|doorway|bus "
        r"station|station|stairwell)|on the (?:street|streets|bench)|rough|outside)",
    r"nowhere (?:to|i can) (?:sleep|stay|go) tonight",
), also=(
    r"(?:kicked|threw|thrown|chucked|kicking) (?:me )?out|(?:can not|could not) go (?:back|home|in)|not safe|nowhere|"
    r"scared|with (?:him|her) like|homeless"
))

SUDDEN_SIGNS = Rule("sight, face or legs going suddenly", risk=CRISIS, negated=NONE, past=NONE, asking=CONCERN,
                    patterns=(
    # Sight lost in one eye, a face that will not move, legs that give way and go numb, a racing heart near fainting.
    r"(?:vision|sight|eye) (?:went|goes|going|gone|has gone|turned|go) (?:\w+ ){0,2}?(?:black|dark|blurry|grey|gray|"
        r"blank|blurred|dim) in (?:one|my (?:left|right)) eye|(?:sudden|suddenly) (?:\w+ )?(?:blur|blurring|"
        r"blurriness|loss|darkness|shadow|curtain) (?:of vision )?in (?:one|my (?:left|right)) eye",
    r"(?:face|mouth|smile) (?:will not|can not|would not|is not) (?:move|moving|work|working)(?! (?:into|in (?:photos|"
        r"pictures)))|(?:can not|could not) "
        r"smile (?:properly|on one side)|(?:left|right|one) side of my face (?:will not|can not|is not) (?:move|"
        r"moving)",
    r"(?:legs?|feet)(?: \w+){0,4}? (?:gave way|gone|went|have gone|giving way|give way)(?: \w+| ,){0,5}? (?:can not|"
        r"could not) (?:really |properly )?feel (?:them|it|my legs)|both legs (?:have |are |went |feel |have "
        r"both )?(?:gone |going |suddenly )?(?:tingly|numb|weak|dead|floppy)",
    r"(?:heart|pulse) (?:is )?(?:racing|pounding|going|at) (?:like |at )?(?:1[4-9]\d|2\d\d)|(?:heart|pulse) (?:\w+ )"
        r"{0,2}?(?:racing|pounding)(?: \w+){0,6}? (?:pass out|faint|collapse|black out)",
))

SIGNS_WITH_CONTEXT = Rule("a knock, a crack, an inhaler, confusion: with the sign that makes it urgent", risk=CRISIS,
                          negated=NONE, past=NONE, asking=CONCERN, patterns=(
    # A head knock on blood thinners, a crack then no weight bearing, an inhaler not helping with breathlessness,
    # sudden confusion in an elder, a jaw ache with sweating or sickness.
    r"(?:hit|banged|bumped|knocked|cracked|smacked) (?:the (?:back|side|front) of )?my head",
    r"(?:heard|felt) a (?:loud )?(?:crack|snap|crunch)",
    r"(?:inhaler|nebuliser|nebulizer|puffer) (?:is not|does not|not|is not really|has not) (?:helping|working|doing "
        r"anything)|can only (?:say|speak|manage|get out) a (?:few|couple of) words",
    r"(?:does not|do not|did not|can not) (?:know|recognise|recognize) (?:where (?:she|he|i) (?:is|am|was)|who (?:i|"
        r"she|he|we) (?:am|is|are))|(?:suddenly|very|really|so) confused",
    r"jaw (?:is )?(?:aching|ache|hurting|hurts|pain)|pain in my jaw",
), also=(
    r"warfarin|apixaban|rivaroxaban|edoxaban|dabigatran|eliquis|xarelto|blood thinners?|anticoagulants?|clopidogrel|"
    r"(?:can not|could not) (?:put (?:any )?weight|bear weight|walk|stand)|breath\w*|wheez\w*|tight chest|chest (?:is "
        r")?"
    r"tight|few words|not like (?:her|him|me)|out of character|all of a sudden|suddenly|since (?:this morning|lunch|"
    r"last night)|never (?:like this|happens)|sweat\w*|clammy|nause\w*|being sick|vomit\w*|i am sick"
))

RULES: tuple[Rule, ...] = (
    SUICIDAL, OVERDOSE, FAREWELL, GERMAN, SELF_HARM, VOICES, VIOLENCE, ABUSE, FEELING_UNSAFE, SUBSTANCE,
    MEDICATION, MEDICAL, NUMBNESS, LOW_MOOD, MEDICATION_MISUSE, MEDICATION_SKIPPED, ISOLATION, LIFE_STRESS,
    BEREAVEMENT, SLEEP, PAIN, CONFRONTATION_RULE, WITHDRAWAL_RULE, MEANS_AND_PLAN, HOPELESS_AND_FINAL,
    GIVING_AWAY, METHOD_QUESTION, DANGEROUS_INGESTION, MIXING, VIOLENT_PLAN, CONTROL_AT_HOME, CAUDA_EQUINA,
    STROKE_SIGNS, HEART_SIGNS, STEROID_STOP, SELF_HARM_SIDEWAYS, NOTE_LEFT, COUNTED_SUPPLY, THREATS_AT_HOME,
    FACE_AND_SPEECH, CLOT_SIGNS, INTENT_SIDEWAYS, PASSIVE_DEATH_WISH, BEREAVED_LONGING, NOT_THE_APP, LIFE_NOT_LIFE,
    DRIVING_INTO, INTENT_PLANNED, DAY_CHOSEN, LAST_WORDS, SETTLING_UP, WILL_WITH_FINALITY, APOLOGY_AND_MESSAGE,
    SELF_INJURY_TOLD, SELF_INJURY_HINTED, RELAPSE_TOLD, OVERTAKEN_AND_UNWELL, WEAPON_AT_HAND, STALKING_A_TARGET,
    PHONE_WATCHED, UNSAFE_AT_HOME_SIDEWAYS, NOWHERE_TONIGHT, SUDDEN_SIGNS, SIGNS_WITH_CONTEXT,
)


@dataclass(frozen=True)
class _Compiled:
    rule: Rule
    regex: re.Pattern[str]
    unless_before: re.Pattern[str] | None
    also: re.Pattern[str] | None


def _compile(rule: Rule) -> _Compiled:
    body = "|".join(f"(?:{_expand(p)})" for p in rule.patterns)
    regex = re.compile(rf"(?<![a-z0-9])(?:{body})(?![a-z0-9])")
    unless = re.compile(rule.unless_before) if rule.unless_before else None
    also = re.compile(rf"(?<![a-z0-9])(?:{_expand(rule.also)})(?![a-z0-9])") if rule.also else None
    return _Compiled(rule, regex, unless, also)


_COMPILED: tuple[_Compiled, ...] = tuple(_compile(rule) for rule in RULES)

# --- negation and the past -------------------------------------------------------------------

NEGATORS = frozenset({"not", "never", "without", "nor", "neither", "stopped"})
_AFTER_NO = frozenset(
    {"longer", "new", "more", "further", "real", "sudden", "major", "sign", "signs", "of", "any", "actual"}
)
FILLERS = frozenset(
    "i am was be been being would will could should going to ever really even actually have had "
    "do did does want wanted that just feel feeling felt thinking of about planning plan a any is "
    "are it so honestly definitely certainly in the way intend intending trying think thought "
    "mean meant anymore more intention intentions desire considering considered at all "
    "seriously currently right now today experiencing having got get longer thoughts".split()
)
_PAST_BEFORE = re.compile(
    r"(?:used to|history of|in the past i|years ago i|as a (?:teen|teenager|kid) i|since i (?:last|stopped)|(?:free|"
    r"clean) (?:from|of))(?: \w+){0,3} $"
)
_PAST_AFTER = re.compile(
    r"^(?: \w+){0,4} (?:years ago|long ago|in the past|back then|as a (?:teen|teenager|kid|child)"
    r"|when i was (?:younger|a (?:teen|teenager|kid|child)|at school|in school|\d+)|last year|years back"
    r"|(?:many|a few|a couple of) years back|in (?:19|20)\d\d)"
)


_MENTION_BEFORE = re.compile(
    r"(?:(?:asked|asking|ask|question|questions|talked|talking|talk|read|reading|article|leaflet|film|show"
    r"|documentary|podcast|news|lecture|training|course|book|story|storyline|episode|module|seminar|webinar|class"
    r"|campaign|charity|statistics|stats) (?:me )?(?:about|on)|covered|covering|a character"
    r"|(?:someone|somebody|a man|a woman|a guy|a girl|a boy|a person|a friend|people|a lad) who(?: feels| is| was|"
        r" had)?|(?:questionnaire|form|survey|q ?\d+|question \d+)(?: \w+){0,2} (?:asked|asks|asking) (?:me )?(?:if|"
        r"whether) i)"
    r" (?:the |a |drug |teen |youth )?$"
)
"""Someone else's story or a topic read about ("a storyline about self-harm"), not the patient's own."""
_ASKING_BEFORE = re.compile(
    r"(?:what (?:should|do|would) i do if|what if|if i (?:ever )?(?:get|have|feel|notice|start)|what are(?: the)?"
    r"|how (?:do|would|can) i (?:know|tell)(?: if)?|is it normal to (?:get|have|feel)|(?:^|\. )is(?: some| a bit of|"
    r" a little| mild)?)(?: \w+){0,3} $"
)
"""A general question about a symptom, not a report of one."""


def _negated(norm: str, start: int) -> bool:
    """A negation word shortly before the match, with only fillers in between, or a mere mention."""
    if _MENTION_BEFORE.search(norm[max(0, start - CONTEXT_CHARS):start]):
        return True
    words = norm[:start].split()[-NEGATION_LOOKBACK:]
    gap: list[str] = []
    for word in reversed(words):
        if word in NEGATORS:
            return True
        if word == "no":
            return all(w in _AFTER_NO for w in gap)
        if word not in FILLERS and word not in _AFTER_NO:
            return False
        gap.append(word)
    return False


_RESOLVED_AFTER = re.compile(
    r"^(?: \w+){0,4} (?:after|from|because of) (?:the |an? |my )?(?:ice|ice pack|cold pack|injection|jab|massage|"
    r"acupuncture|tens machine)(?![a-z])|"
    r"^(?: \w+){0,8} (?:went away|goes away|has gone|had gone|is gone|gone now|passed|settled|eased|eased off"
    r"|recovered|better now|stopped|wore off|disappeared|cleared)(?![a-z])"
    r"|^(?: \w+){0,8} (?:,|but) i am (?:fine|ok|alright|good)(?: now)?(?: \.| ,|$)"
)


_LAUGH = re.compile(r"(?<![a-z])(?:lol|lmao|lmfao|rofl|haha\w*|jk|just kidding|only joking|kidding)(?![a-z])")
_FUNNY = re.compile(r"(?<![a-z])(?:joke|jokes|joking|funny|hilarious|cringe\w*|embarrass\w*|awkward|pun|puns|laugh\w*)"
                    r"(?![a-z])")


_SERIOUS = re.compile(
    r"(?<![a-z])(?:not (?:joking|kidding)|no joke|not a joke|i am serious|for real|seriously|i mean it|(?:jk|joking|"
    r"kidding)(?: \.| ,)? (?:kind of|sort of|not really|or not)|half (?:joking|kidding))(?![a-z])"
)


_TRIVIAL = re.compile(
    r"(?<![a-z])(?:ate|eaten|eats|finished|drank|nicked|pinched) (?:the last|all|my)(?: \w+){0,3}? (?:biscuits?|"
    r"chocolates?|cake|crisps|sweets|pizza|chips|leftovers|cookies|ice cream|milk|wine|slice)|(?:snoring|snores|"
    r"the remote|left the (?:toilet seat|milk|lights?|heating)|forgot (?:the|my|our) (?:milk|bins?|anniversary|"
    r"birthday))(?![a-z])"
)
"""Trivial grievances: "I'll kill him, he ate the last biscuit lol" is hyperbole."""


def _joking(norm: str) -> bool:
    """A laugh and something funny (or a trivial grievance) named, and no "not joking": hyperbole, not intent."""
    return bool(_LAUGH.search(norm) and (_FUNNY.search(norm) or _TRIVIAL.search(norm)) and not _SERIOUS.search(norm))


_TOPIC_WORD = re.compile(
    r"(?:suicide|suicides|self harm|self harms|self harming|self injury|domestic (?:abuse|violence)|abuse|overdoses)"
)
"""Red flags named as a topic (nouns), which a course, a book or a job may be about."""
_TOPIC_CONTEXT = re.compile(
    r"(?<![a-z])(?:training|course|workshop|module|lecture|seminar|webinar|first aid|novel|book|film|movie|series|"
    r"documentary|podcast|article|character|episode|news|nurse|paramedic|doctor|carer|at work|my job|safeguarding|"
    r"volunteer\w*|charity|campaign|research|spotting|recognising|recognizing)(?![a-z])"
)
_FIRST_PERSON_BEFORE = re.compile(
    r"(?:^| )(?:i|am|i have|been|i had|was|keep|kept|started|start|my|me|myself|(?:thinking|thought|think|"
    r"dreaming|fantasi[sz]ing) (?:about|of)|into) $"
)
"""The patient's own ("i have been self harming", "thinking about suicide"), not a topic."""


def _topic(norm: str, start: int, matched: str) -> bool:
    """A red flag named as a topic in a course, a book or at work, not as the patient's own."""
    if not _TOPIC_WORD.fullmatch(matched.strip()):
        return False
    return bool(_TOPIC_CONTEXT.search(norm)) and not _FIRST_PERSON_BEFORE.search(norm[max(0, start - 25):start])


_OTHERS_BEFORE = re.compile(
    r"(?:(?:^| )(?:she|he|they)|(?:my|his|her|our|a|the) (?:\w+ )?(?:friend|mate|neighbou?rs?|colleague|cousin|"
    r"character|niece|nephew|classmate|flatmate|patient|client))(?: is| has| was| had| have| are| were)?"
    r"(?: been| also| started| just)?(?: \w+ing)? $"
)


_FIRST_PERSON = re.compile(r"(?<![a-z])(?:i|me|my|myself|mine)(?![a-z])")


def _about_others(norm: str, start: int, matched: str) -> bool:
    """Someone else is the subject ("my friend has been self-harming", "my neighbour had a fall"), and the
    matched words do not bring the patient back in ("so she is looked after when i am gone")."""
    if _FIRST_PERSON.search(matched):
        return False
    return bool(_OTHERS_BEFORE.search(norm[max(0, start - 40):start]))


_RECOVERED = re.compile(
    r"(?<![a-z])(?:(?:\w+ )?(?:years|months|weeks) (?:free|clean|sober|without)|(?:a|one|\d+) (?:year|month) (?:free|"
    r"clean|sober|since i last)|(?:years|months) since i last|proud of (?:how far|myself|me)|in recovery|recovered|"
    r"doing (?:really |so )?(?:well|brilliantly|great) now|long behind me|better now)(?![a-z])"
)


def _recovered(norm: str) -> bool:
    """History told as recovered ("years ago, but six years free now"): nothing to raise."""
    return bool(_RECOVERED.search(norm))


def _asking(norm: str, start: int) -> bool:
    return bool(_ASKING_BEFORE.search(norm[max(0, start - CONTEXT_CHARS):start]))


def _resolved(norm: str, end: int) -> bool:
    return bool(_RESOLVED_AFTER.search(norm[end:end + CONTEXT_CHARS]))


def _about_past(norm: str, start: int, end: int) -> bool:
    before = norm[max(0, start - CONTEXT_CHARS):start]
    after = norm[end:end + CONTEXT_CHARS]
    return bool(_PAST_BEFORE.search(before) or _PAST_AFTER.search(after))


# --- assessment ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Hit:
    risk: str
    rupture: str
    reason: str

    @property
    def rank(self) -> tuple[int, int]:
        return RISK_LEVELS.index(self.risk), RUPTURE_KINDS.index(self.rupture)


def _quote(text: str) -> str:
    text = text.strip(" .,")
    return text if len(text) <= MAX_SNIPPET else text[: MAX_SNIPPET - 1] + "…"


def _hits(norm: str) -> list[_Hit]:
    """The strongest reading of each rule in one normalised text."""
    hits: list[_Hit] = []
    for compiled in _COMPILED:
        rule = compiled.rule
        cues: list[tuple[int, int]] | None = None  # the second signs, searched only once a first one is found
        best: _Hit | None = None
        for match in compiled.regex.finditer(norm):
            start, end = match.span()
            if compiled.also is not None:
                if cues is None:
                    cues = [cue.span() for cue in compiled.also.finditer(norm) if not _negated(norm, cue.start())]
                if all(start <= a and b <= end for a, b in cues):
                    continue  # the second sign must be found elsewhere, not inside the first
            if compiled.unless_before and compiled.unless_before.search(norm[max(0, start - CONTEXT_CHARS):start]):
                continue
            quoted = _quote(match.group(0))
            if _topic(norm, start, match.group(0)):
                hit = _Hit(NONE, NONE, f"rule: {rule.name}, a topic ('{quoted}')")
            elif _negated(norm, start):
                hit = _Hit(rule.negated, NONE, f"rule: {rule.name}, negated ('{quoted}')")
            elif rule.others is not None and _about_others(norm, start, match.group(0)):
                hit = _Hit(rule.others, NONE, f"rule: {rule.name}, about someone else ('{quoted}')")
            elif rule.past is not None and _about_past(norm, start, end) and _recovered(norm):
                hit = _Hit(NONE, NONE, f"rule: {rule.name}, past and recovered ('{quoted}')")
            elif rule.past is not None and _about_past(norm, start, end):
                hit = _Hit(rule.past, NONE, f"rule: {rule.name}, in the past ('{quoted}')")
            elif rule.resolved is not None and _resolved(norm, end):
                hit = _Hit(rule.resolved, NONE, f"rule: {rule.name}, passed ('{quoted}')")
            elif rule.asking is not None and _asking(norm, start):
                hit = _Hit(rule.asking, NONE, f"rule: {rule.name}, asked about ('{quoted}')")
            elif rule.joking is not None and _joking(norm):
                hit = _Hit(rule.joking, NONE, f"rule: {rule.name}, joking ('{quoted}')")
            else:
                hit = _Hit(rule.risk, rule.rupture, f"rule: {rule.name} ('{quoted}')")
            if hit.risk == NONE and hit.rupture == NONE:
                continue
            if best is None or hit.rank > best.rank:
                best = hit
            if best.risk == rule.risk and best.rupture == rule.rupture:
                break
        if best is not None:
            hits.append(best)
    return hits


@lru_cache(maxsize=CACHE_SIZE)
def _assess_cached(text: str) -> tuple[str, str, tuple[str, ...]]:
    hits = [hit for norm in normalise(text) for hit in _hits(norm)]
    risk, rupture = NONE, NONE
    reasons: list[str] = []
    for hit in sorted(hits, key=lambda h: h.rank, reverse=True):
        if RISK_LEVELS.index(hit.risk) > RISK_LEVELS.index(risk):
            risk = hit.risk
        if RUPTURE_KINDS.index(hit.rupture) > RUPTURE_KINDS.index(rupture):
            rupture = hit.rupture
        if hit.reason not in reasons:
            reasons.append(hit.reason)
    return risk, rupture, tuple(reasons)


MEDICAL_REASONS = tuple(f"rule: {rule.name}" for rule in (
    MEDICAL, NUMBNESS, CAUDA_EQUINA, STROKE_SIGNS, HEART_SIGNS, STEROID_STOP, FACE_AND_SPEECH, CLOT_SIGNS,
    SUDDEN_SIGNS, SIGNS_WITH_CONTEXT, DANGEROUS_INGESTION, OVERTAKEN_AND_UNWELL))
"""A crisis with one of these reasons is a medical emergency (its safety response differs)."""


def assess(text: str) -> Verdict:
    """Risk and rupture of one message by the rules alone; never raises, no I/O."""
    if not isinstance(text, str) or not text.strip():
        return Verdict()
    risk, rupture, reasons = _assess_cached(text)
    medical = risk == CRISIS and any(r.startswith(MEDICAL_REASONS) for r in reasons)
    return Verdict(risk=risk, rupture=rupture, reasons=list(reasons), medical=medical)
