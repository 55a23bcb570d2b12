"""The deterministic safety layer: what must escalate, what must not, and that it never breaks."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.safety import rules
from bot.safety.rules import assess, normalise
from bot.safety.verdict import RISK_LEVELS, RUPTURE_KINDS

# Every red flag of DOMAIN.md, in the ways patients type it (typos, slang, unicode, caps).
MUST_ESCALATE = [
    # suicidal ideation / intent
    "I want to die",
    "i wanna die",
    "I WANT TO DIE",
    "i want to diiiiie",
    "I w4nt to d1e",
    "I don’t want to live anymore",
    "dont want to be alive",
    "i dont want to be here anymore",
    "kms",
    "honestly might just kms tonight",
    "I want to unalive myself",
    "thinking about unaliving",
    "I'm going to kill myself",
    "want to kil myself",
    "I've been having suicidal thoughts",
    "feeling sucidal",
    "I want to end it all",
    "I'm going to end it tonight",
    "I cant go on",
    "I can't go on like this",
    "I can't take it anymore",
    "there's no reason to live",
    "life isn't worth living",
    "everyone would be better off without me",
    "I wish I was dead",
    "I hope I don't wake up tomorrow",
    "I've made a plan to end my life",
    "I've been saving up my pills",
    "I took too many pills",
    "nobody would miss me if I was gone",
    "I'm not sure I want to be alive",
    "ngl i want to die",
    "No, I want to die",
    "𝐈 𝐰𝐚𝐧𝐭 𝐭𝐨 𝐝𝐢𝐞",
    "I want to\u200b die",
    # German
    "ich möchte nicht mehr leben",
    "ich glaub dass ich nicht mehr leben will",
    "ich nicht mehr will leben. jeden tag nur schmerzen",
    "keiner braucht mich, besser ich bin weg",
    "Ich will sterben",
    "ich bringe mich um",
    "Ich bringe mich heute Nacht um.",
    "heute nacht bringe ich mich um",
    "ich werde mich heute nacht umbringen",
    "ich häng mich auf",
    "heute erhänge ich mich",
    "ich will mich aufhängen",
    "ich nehme mir heute das Leben",
    "ich erschieße mich",
    "ich werfe mich vor den Zug",
    "keiner würde mich vermissen",
    "ohne mich wären alle besser dran",
    "i'm ending it on friday, sorry",
    "ich hab keine Kraft mehr zum Leben",
    "null bock mehr aufs leben, echt",
    "hab mich mit dem bügeleisen absichtlich verbrannt",
    "meine freundin hat schon wieder zugeschlagen",
    "mein Vater hat mich gestern eingesperrt",
    "ich habe mich wieder geritzt",
    "Schmerzen in der Brust seit der Übung",
    # self-harm
    "I cut myself again last night",
    "I've started self-harming again",
    "I really want to hurt myself",
    "having urges to cut",
    "I burned myself on purpose",
    # violence to others
    "I'm going to kill him",
    "I want to hurt someone",
    "I keep having thoughts of hurting my baby",
    # abuse / unsafe at home
    "my husband hits me",
    "I don't feel safe at home",
    "I'm scared to go home",
    "my partner threatened to kill me",
    # substance relapse
    "I relapsed last night",
    "started drinking again",
    "I'm using again",
    "fell off the wagon",
    # acute medical symptoms (physio groups)
    "I've got chest pain since the exercise",
    "my chest feels tight and my left arm hurts",
    "my left arm went numb during the stretch",
    "new numbness in my leg",
    "I can't feel my foot",
    "the pain is unbearable",
    "pain is 10/10",
    "I can't breathe properly",
    "I fainted after the exercise",
    "my face is drooping on one side",
    # stopping prescribed medication
    "I stopped taking my antidepressants",
    "I'm off my meds",
    "haven't taken my medication for two weeks",
    "flushed all my pills down the toilet",
]

# Idioms and everyday talk that must not raise anything.
EVERYDAY = [
    "this stretch is killing me",
    "my hamstrings are killing me after yesterday",
    "I could kill for a coffee",
    "dying to try the new balance exercise",
    "my legs are dead after that walk",
    "I'm dead tired but I did the exercises",
    "killed it at the gym!",
    "I'd rather die than do another plank 😂",
    "I cut myself shaving this morning",
    "ich bringe mich um den Schlaf mit dem Handy",
    "die Hitze bringt mich um",
    "ich häng mich heute nicht mehr auf die Couch, ich geh raus",
    "i'm ending it with my boyfriend this weekend, finally",
    "ich hab keine Lust mehr auf das Training heute",
    "mein Mann hat beim Tennis ordentlich zugeschlagen 😄",
    "hab mir aus Versehen die Hand am Herd verbrannt",
    "hab mir bewusst Zeit genommen und die Übung langsam gemacht",
    "ich hänge mich an die Stange und mache die Übung",
    "ich lege mich vor dem Training kurz hin",
    "ohne mich wäre die Gruppe heute kleiner gewesen",
    "so wie früher will ich nicht mehr leben, deshalb mach ich die Übungen",
    "besser ich bin weg bevor der Regen kommt, bis morgen",
    "I nearly died of embarrassment",
    "my wife will kill me if I'm late",
    "I'm gonna hit the gym later",
    "I'll hit you up later",
    "passed out on the couch watching tv",
    "I've started drinking more water like the physio said",
    "my GP told me to stop taking the painkillers",
    "my doctor stopped my meds",
    "I take all my meds every morning",
    "I'm done",
    "I'm done with the exercises for today",
    "whatever time works for you is fine",
    "I'd rather not do the walk in the rain, can I do the indoor one?",
    "I can't go on the walk today, it's pouring",
    "mood is a 10 out of 10 today!",
    "Did all three sets this morning",
    "yes",
    "",
    "   ",
]

NEGATED = [
    "I'm not suicidal",
    "i would never hurt myself",
    "I'd never kill myself",
    "no chest pain today, just a bit stiff",
    "No chest pain, no numbness, just tired legs",
    "I haven't stopped my meds",
    "he doesn't hit me, don't worry",
    "I don't want to die",
]


@pytest.mark.parametrize("text", MUST_ESCALATE)
def test_red_flags_are_a_crisis(text: str) -> None:
    verdict = assess(text)
    assert verdict.risk == "crisis", (text, verdict.reasons)
    assert verdict.reasons and all(reason.startswith("rule: ") for reason in verdict.reasons)


@pytest.mark.parametrize("text", EVERYDAY)
def test_idioms_and_everyday_talk_raise_nothing(text: str) -> None:
    verdict = assess(text)
    assert (verdict.risk, verdict.rupture) == ("none", "none"), (text, verdict.reasons)


@pytest.mark.parametrize("text", NEGATED)
def test_negated_red_flags_are_not_a_crisis(text: str) -> None:
    assert assess(text).risk != "crisis"


def test_a_negated_suicide_mention_still_reaches_a_human_as_a_concern() -> None:
    verdict = assess("I'm not suicidal, just exhausted")
    assert verdict.risk == "concern"
    assert verdict.reasons == ["rule: suicidal ideation, negated ('suicidal')"]


def test_a_negation_inside_the_phrase_is_part_of_the_red_flag() -> None:
    assert assess("I don't want to live").risk == "crisis"
    assert assess("I do not want to be here anymore").risk == "crisis"


def test_a_negation_in_another_clause_does_not_cancel() -> None:
    assert assess("I'm not ok. I want to die").risk == "crisis"
    assert assess("not going to lie, i want to die").risk == "crisis"


def test_history_is_a_concern_not_a_crisis() -> None:
    verdict = assess("I used to cut myself when I was a teenager")
    assert verdict.risk == "concern"
    assert "in the past" in verdict.reasons[0]


@pytest.mark.parametrize(("text", "risk"), [
    ("I've been feeling really low all week", "concern"),
    ("couldn't sleep again last night", "concern"),
    ("my knee pain is getting worse every day", "concern"),
    ("I feel hopeless", "concern"),
    ("dizzy but it went away after a minute", "none"),
])
def test_concern(text: str, risk: str) -> None:
    assert assess(text).risk == risk


@pytest.mark.parametrize(("text", "rupture"), [
    ("this is pointless", "confrontation"),
    ("you don't listen", "confrontation"),
    ("stupid bot", "confrontation"),
    ("I'd rather not talk about it", "withdrawal"),
    ("whatever", "withdrawal"),
    ("leave me alone", "withdrawal"),
    ("I'm thinking of quitting the programme", "withdrawal"),
    ("this app is useless, I'm quitting the programme", "confrontation"),
    ("you're not useless", "none"),
])
def test_ruptures(text: str, rupture: str) -> None:
    assert assess(text).rupture == rupture


def test_risk_and_rupture_are_independent() -> None:
    verdict = assess("this app is useless, I want to die")
    assert (verdict.risk, verdict.rupture) == ("crisis", "confrontation")


def test_reasons_quote_the_words_matched_short_and_readable() -> None:
    assert assess("I wanna die").reasons == ["rule: suicidal ideation ('want to die')"]
    long = "I want to die " + "and " * 100
    assert all(len(reason) < 120 for reason in assess(long).reasons)


def test_each_call_returns_its_own_reasons_list() -> None:
    first = assess("I want to die")
    first.reasons.append("changed by the caller")
    assert assess("I want to die").reasons == ["rule: suicidal ideation ('want to die')"]


@pytest.mark.parametrize(("text", "reading"), [
    ("I don’t want to", "i do not want to"),
    ("cant wont im", "can not will not i am"),
    ("k1ll mys3lf", "kill myself"),
    ("wanna die!!", "want to die ."),
    ("u r useless", "you are useless"),
    ("Ｉ ＷＡＮＴ", "i want"),
    ("naïve", "naive"),
])
def test_normalise(text: str, reading: str) -> None:
    assert normalise(text)[0] == reading


def test_stretched_letters_are_read_both_ways() -> None:
    assert normalise("killlll me sooo") == ["kill me soo", "kil me so"]


def test_every_pattern_compiles_and_every_rule_says_what_it_raises() -> None:
    for rule in rules.RULES:
        assert rule.risk in RISK_LEVELS and rule.rupture in RUPTURE_KINDS and rule.negated in RISK_LEVELS
        assert (rule.risk != "none") != (rule.rupture != "none"), rule.name


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=500))
def test_never_raises_and_always_returns_valid_levels(text: str) -> None:
    verdict = assess(text)
    assert verdict.risk in RISK_LEVELS and verdict.rupture in RUPTURE_KINDS
    assert all(isinstance(reason, str) and reason for reason in verdict.reasons)


WORDS = ["i", "not", "no", "never", "want", "to", "die", "kill", "myself", "so", "really", "pain",
         "chest", "numb", "used", "years", "ago", ".", ",", "!!!", "’", "dont", "can't", "go", "on", "meds",
         "stopped", "him", "whatever", "pointless", "you", "😂", "\u200b", "lol", "sooooo"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=40))
def test_never_raises_on_risky_word_salad(words: list[str]) -> None:
    verdict = assess(" ".join(words))
    assert verdict.risk in RISK_LEVELS and verdict.rupture in RUPTURE_KINDS


@pytest.mark.parametrize("text", [
    "so " * 2000, "not " * 2000, "a" * 5000, "i am " * 1000 + "suicidal", ". " * 3000, "really " * 1500 + "low",
])
def test_long_and_repetitive_messages_are_handled(text: str) -> None:
    assert assess(text).risk in RISK_LEVELS


def test_the_end_of_a_long_message_still_counts() -> None:
    assert assess("I did my walk and the weather was fine. " * 100 + "I want to die").risk == "crisis"


def test_not_a_string_is_no_risk() -> None:
    assert assess(None).risk == "none"  # type: ignore[arg-type]


# Crisis language a reviewer found the rules missing, by category, in the reviewer's words and others.
MUST_ESCALATE_TOO = [
    # overdose and means
    "I took all my pills tonight",
    "i took a whole bottle of my tablets",
    "I swallowed 30 paracetamol",
    "I OD'd last night",
    "i'm going to take all my sleeping pills",
    "i've been stockpiling my medication",
    "how many paracetamol would be a lethal dose",
    "how much insulin would it take to not wake up",
    "going to mix vodka with my pills tonight",
    "I injected too much insulin on purpose",
    "I've been taking extra oxycodone",
    # feeling unsafe
    "I'm not safe",
    "i'm not safe right now",
    "I don't feel safe",
    "I don't feel safe with my husband",
    "someone is following me and i'm scared for my life",
    "my ex is trying to break in",
    # ideation, plans, farewells
    "dont care if i die tonight",
    "im on the roof and i want to jump",
    "wish i'd never been born",
    "I feel like dying",
    "I don't see a future for me",
    "tonight is the night, i've decided",
    "goodbye everyone, thanks for everything",
    "im done. goodbye",
    "I've been giving my things away",
    "I'm putting my affairs in order",
    "won't be around much longer",
    "been researching methods",
    "this is my last message",
    "everyone will be happier when i'm gone",
    "i've picked the day",
    "driving to the cliffs tonight and not coming back",
    "i hate my life and want it to end",
    "I am a burden to everyone",
    "wanna die lol not joking",
    # self-harm
    "been cutting again",
    "i burned myself with a cigarette",
    "s/h urges are bad today",
    "I punched the wall until my knuckles bled on purpose",
    "burned my arm with a lighter",
    "scratched my arms until they bled",
    # violence and abuse
    "he said he'd kill me",
    "she says she'll hurt me if i leave",
    "I want to smash his face in",
    "my partner choked me last night",
    "he put his hands round my neck",
    "someone is hurting me at home",
    "I have bruises from my carer",
    "i keep imagining hurting my wife",
    # medical red flags
    "I have chest pain",
    "I'm really short of breath",
    "my calf is swollen and red since the operation",
    "calf is hot, red and swollen",
    "sudden numbness in my arm",
    "I've lost control of my bladder",
    "I fainted in the kitchen",
    "i had a seizure",
    "my lips are going blue",
    # typos and run-ons
    "I wanna killmyself",
    "I want to end my lfie",
    "I wanna dye",
    "i want too dye",
    "sui ideation",
    "I.want.to.die",
    "i want to d i e",
]

# Idioms, hyperbole and other people's stories: never a crisis.
NOT_A_CRISIS = [
    "this stretch is killing me",
    "the exam killed me",
    "this cake is to die for",
    "I nearly died laughing",
    "that joke was so bad I wanted to die lol",
    "the ice pack makes my knee go numb, that's normal right?",
    "numbness has gone",
    "self-harm awareness training at work",
    "documentary about suicide prevention",
    "reading about the overdose crisis in the news",
    "overdosed on chocolate",
    "took all my pills as prescribed",
    "I cut myself shaving",
    "my gran's funeral was last month",
    "not suicidal, just sick of the rain",
    "I took all my tablets this morning",
    "bye everyone, see you Thursday!",
    "I'm not safe to drive yet after the op",
    "I'm going to jump in the pool later",
    "I've been cutting back on sugar",
    "I want to dye my hair",
    "I've been looking up ways to manage the pain",
    "someone is following me on instagram lol",
    "finished the plank even though i wanted to die halfway lol",
    "what should i do if i get chest pain while exercising",
]

# Of those, the ones that should not even be a concern.
NOTHING_AT_ALL = [
    "this cake is to die for",
    "I nearly died laughing",
    "self-harm awareness training at work",
    "documentary about suicide prevention",
    "reading about the overdose crisis in the news",
    "overdosed on chocolate",
    "took all my pills as prescribed",
    "I cut myself shaving",
    "my gran's funeral was last month",
    "I took all my tablets this morning",
    "bye everyone, see you Thursday!",
    "I've been cutting back on sugar",
    "I want to dye my hair",
    "someone is following me on instagram lol",
]


@pytest.mark.parametrize("text", MUST_ESCALATE_TOO)
def test_more_red_flags_are_a_crisis(text: str) -> None:
    verdict = assess(text)
    assert verdict.risk == "crisis", (text, verdict.reasons)


@pytest.mark.parametrize("text", NOT_A_CRISIS)
def test_idioms_and_mentions_are_not_a_crisis(text: str) -> None:
    verdict = assess(text)
    assert verdict.risk != "crisis", (text, verdict.reasons)


@pytest.mark.parametrize("text", NOTHING_AT_ALL)
def test_benign_mentions_raise_nothing(text: str) -> None:
    verdict = assess(text)
    assert verdict.risk == "none", (text, verdict.reasons)


def test_a_joke_with_a_laugh_is_a_concern_not_a_crisis() -> None:
    verdict = assess("that joke was so bad I wanted to die lol")
    assert verdict.risk == "concern"
    assert "joking" in verdict.reasons[0]


def test_a_general_question_about_a_symptom_is_a_concern_not_a_crisis() -> None:
    verdict = assess("what should i do if i get chest pain while exercising")
    assert verdict.risk == "concern"
    assert "asked about" in verdict.reasons[0]
    assert assess("I've got chest pain, is that normal?").risk == "crisis"


@pytest.mark.parametrize(("text", "reading"), [
    ("I OD'd", "i overdosed"),
    ("s/h urges", "self harm urges"),
    ("killmyself", "kill myself"),
    ("end my lfie", "end my life"),
    ("i want too dye", "i want to dye"),
    ("want too much", "want too much"),
    ("I.want.to.die", "i want to die"),
    ("i want to d i e", "i want to die"),
    ("k-i-l-l", "kill"),
    ("plan a b or c", "plan a b or c"),
    ("lol 😂", "lol lol"),
])
def test_normalise_typing_tricks(text: str, reading: str) -> None:
    assert normalise(text)[0] == reading


# Round three: red flags said sideways, in each category's own words (paraphrases, not the eval lines).
CRISIS_SIDEWAYS = {
    "how many it would take": [
        "I've been googling how much paracetamol it would take",
        "worked out how many of my sleeping tablets would do it",
    ],
    "a supply kept back": [
        "I've got two months of sertraline stashed in a drawer",
        "been stockpiling my co-codamol for weeks",
        "hoarding a few weeks worth of tramadol",
    ],
    "pets and things handed on": [
        "rehomed my cat so someone would look after her. everything is sorted now",
        "given my dog to my neighbour so he'll be taken care of",
    ],
    "a future without me": [
        "can't see myself still being here by the new year",
        "I won't be around by the end of the month",
        "i can't picture myself lasting much longer",
    ],
    "sorry, goodbye": [
        "sorry for everything, I love you all. goodbye",
        "I'm sorry I've been such a burden. bye",
    ],
    "a threat to kill me": [
        "he told me if I ever leave he'd kill me",
        "my husband said if i talk to anyone he will hurt me",
        "she said she'll kill me and she meant it",
    ],
    "hurt at home": [
        "someone in my house keeps hitting me",
        "the person I live with is hurting me",
        "he hurts me when he gets drunk",
    ],
    "rough handling, bruises": [
        "my son grabbed my wrists so hard they bruised",
        "my partner pushes me around, I'm covered in bruises",
        "my carer yanks my arm roughly when she dresses me",
    ],
    "strangled, a partner named bare": [
        "husband strangled me last night",
        "girlfriend slapped me again",
        "they tried to strangle me",
    ],
    "worth more dead": [
        "my family would get the life insurance if I died",
        "I'm worth more dead than alive",
    ],
    "never waking up": [
        "going to drink until I never wake up",
        "want to take all my pills and sleep till i don't wake up",
    ],
    "ending it": [
        "i'm ending it tonight",
        "I'm ending things.",
    ],
    "a crash on purpose": [
        "keep thinking about steering into oncoming traffic",
        "tempted to swerve into a lorry on the way home",
    ],
}


@pytest.mark.parametrize(("category", "text"), [(c, t) for c, ts in CRISIS_SIDEWAYS.items() for t in ts])
def test_red_flags_said_sideways_are_a_crisis(category: str, text: str) -> None:
    verdict = assess(text)
    assert verdict.risk == "crisis", (category, text, verdict.reasons)


CONCERN_SIDEWAYS = [
    # drinking creeping up, weed to sleep
    "I'm drinking way more than I used to",
    "my drinking is getting out of hand",
    "wine o'clock starts at lunchtime these days",
    "need a joint every night to sleep",
    # low mood without the usual words
    "been crying most nights",
    "life feels so heavy right now",
    "everything is a struggle lately",
    "I keep thinking how meaningless my life is",
    "having flashbacks again",
    "nobody can help me",
    "sorry for being such a burden",
    "I shouted at my kids and feel terrible about it",
    "so nervous I was physically sick before group",
    "no motivation for anything",
    "lost my appetite completely",
    # doses skipped
    "missed my tablets all week because they make me sick",
    "they make me dizzy so I've stopped taking them",
    # isolation
    "I've got nobody to turn to",
    "not one person has texted me in days",
    "I haven't left the flat in weeks",
    "can't make myself get off the sofa",
    # life stress
    "my dad's been rushed into hospital",
    "my sister was diagnosed with cancer",
    "scared I'll lose my flat",
    # pain and sleep
    "my pain is about a 7 out of 10 today",
    "the stretches are making my knee worse",
    "had a rough week with my back",
    "keep waking at 3am",
    "slept 13 hours and still shattered",
]


@pytest.mark.parametrize("text", CONCERN_SIDEWAYS)
def test_quieter_signs_are_a_concern(text: str) -> None:
    verdict = assess(text)
    assert verdict.risk == "concern", (text, verdict.reasons)


@pytest.mark.parametrize(("text", "rupture"), [
    ("stop treating me like a child", "confrontation"),
    ("the physio talks down to me", "confrontation"),
    ("your tips are pointless", "confrontation"),
    ("those worksheets are useless", "confrontation"),
    ("the facilitator made me feel stupid in front of everyone", "confrontation"),
    ("one more reminder and I swear I'll lose it", "confrontation"),
    ("what good is a chatbot that repeats itself", "confrontation"),
    ("I'm going to complain about you", "confrontation"),
    ("honestly this is not good enough", "confrontation"),
    ("no one ever listens to me in that group", "confrontation"),
    ("you people can't help me", "confrontation"),
    ("I don't want to talk in group any more", "withdrawal"),
    ("I'll manage by myself from now on", "withdrawal"),
    ("don't need the programme anymore", "withdrawal"),
    ("I probably won't come back", "withdrawal"),
    ("not in the mood for chatting", "withdrawal"),
    ("could we change the topic", "withdrawal"),
    ("can we just stop", "withdrawal"),
    ("I'll reply later, maybe", "withdrawal"),
    ("too tired to bother with the exercises", "withdrawal"),
    ("this is my final message to the group", "withdrawal"),
])
def test_more_ruptures(text: str, rupture: str) -> None:
    verdict = assess(text)
    assert verdict.rupture == rupture, (text, verdict.reasons)


# The near misses of those patterns: everyday talk that must raise nothing at all.
NEAR_MISSES = [
    "looked up how many calories it takes to walk 5k",
    "how many paracetamol would it take to help the pain",
    "I've been saving my tablets in the dosette box",
    "I've stockpiled ibuprofen gel for the holiday",
    "gave my dog to my sister while I'm in hospital so she'd be looked after",
    "I don't see myself being around much at Christmas, we're visiting family",
    "I can't see myself being here past 6, I have work",
    "sorry I'm late! bye",
    "my sister said if I eat the last biscuit she'll kill me",
    "that film choked me up",
    "the smoke choked me",
    "my carer holds my arm hard on the stairs so I don't fall",
    "I have bruises from the fall last week",
    "I take my tablet at night so I don't wake up in pain",
    "I'll be paying this off until I die",
    "nearly drove into the barrier because of the ice",
    "been drinking more herbal tea lately",
    "drinking more than usual... water!",
    "not hungry, had a big lunch",
    "I haven't taken my meds yet",
    "the new tablets make me sleepy so I skip my afternoon nap",
    "my mum's in hospital for a knee op, she's fine",
    "my dad is in hospital for a check up, nothing serious",
    "I haven't been out since Sunday, it's been raining",
    "stayed in bed all day with the flu",
    "my pain went from 8/10 to 3/10",
    "my pain was 7 out of 10 yesterday and now it's 3",
    "my mind is racing with ideas for the garden",
    "slept 12 hours after the wedding",
    "nobody can help me with the washing up lol",
    "nobody listens to the radio anymore",
    "I'm going to complain to the council about the bins",
    "who made this app? it's great",
    "I might not come back from holiday lol",
    "I might not come back till 3pm",
    "can we stop the reminders on weekends",
    "this is my last message for tonight, night!",
    "skip",
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_misses_raise_nothing(text: str) -> None:
    verdict = assess(text)
    assert (verdict.risk, verdict.rupture) == ("none", "none"), (text, verdict.reasons)


# Round 3: signs that only show together. Each is a paraphrase of a mechanism, not a line of an eval set.
CRISIS_TOGETHER = {
    "a means with a plan or finality": [
        "got the rope in the shed, i have made my plan",
        "I have a bag of sleeping pills and nobody would miss me",
        "going up to the car park roof later. goodbye everyone",
        "wrote letters to my kids and the tablets are ready, i have decided",
        "the train tracks are 5 min from mine. there is no point anymore",
        "saving the amitriptyline for when the house is empty",
    ],
    "despair with a goodbye or a date": [
        "im so tired of everything. this is goodbye forever",
        "nothing matters now, i will not be around after the 3rd",
        "Im done. ive made my peace. bye",
    ],
    "giving things away": [
        "giving my PS5 and all my games to my brother, i won't be needing them",
        "gave my rings to my niece to remember me by",
    ],
    "asking whether a method works": [
        "how high does a building have to be for it to be fatal",
        "would someone survive a fall from the 6th floor",
        "what is the most painless way out",
    ],
    "poison swallowed or a person unrousable": [
        "my brother swallowed some bleach and is being sick",
        "my toddler got into my co-codamol",
        "i cant wake my mum up, she is breathing funny",
        "been having my weekly methotrexate daily instead of once a week",
    ],
    "downers mixed, and drowsy or drunk": [
        "had 4 pints and mixed in my diazepam, so drowsy",
        "took like 15 zopiclone and half a bottle of gin",
    ],
    "a weapon or a target with a threat": [
        "ive got a knife in my bag and if he says one more word he'll regret it",
        "I know where she works and she's going to pay",
        "gonna kick his head in when i see him, he has it coming",
    ],
    "harm, neglect or control by someone at home": [
        "my husband hides my phone from me so I can't call anyone",
        "he won't let me eat unless I do what he says",
        "my son locks me in my room when he goes out",
        "my carer left me without my meds all weekend",
        "my uncle comes into my room at night and i am scared",
    ],
    "red-flag symptoms together": [
        "tingling round my groin and cant feel when i wipe, back has gone",
        "suddenly cant pee and both legs are weak after lifting",
        "my eyesight went blurry and my left arm won't lift, it started 20 minutes ago",
        "my chest feels like someone is sitting on it and I'm all sweaty",
        "ran out of my epilepsy meds 3 days ago and keep shaking",
    ],
    "self-harm told sideways": [
        "cut again yesterday after 2 years clean",
        "keeping the razor blades in my sock drawer so my parents don't find them",
        "not eaten for 4 days on purpose",
        "banging my head on the wall till it bled",
    ],
    "intent said sideways": [
        "my mind is made up about ending it",
        "if i dont reply tomorrow you will know why",
        "I dont intend to carry on with my life past christmas",
        "said my goodbyes to my dad. i am ready.",
        "sat in the garage with the engine running",
        "ngl been thinkin bout ending it fr",
        "i want to vanish for good",
    ],
    "a note, a counted supply, threats at home, face and speech, a clot": [
        "wrote a note for my wife, it's in the drawer. tell her sorry",
        "I've got 60 co-codamol here and I'm done",
        "my dad threw a plate at me and said he'd break my neck",
        "mum's partner keeps my benefits card and only gives me £5 a week",
        "my face feels droopy on the left and my words are coming out wrong",
        "leg is swollen red and hot and now I'm short of breath",
        "been stockin up on my sleeping tablets, think this weekend is it",
        "i keep looking at the bridge on my walk home thinking how easy it would be",
        "there is a hosepipe in the boot of my car and i know what i'm doing with it",
    ],
}


@pytest.mark.parametrize(("mechanism", "text"), [(m, t) for m, ts in CRISIS_TOGETHER.items() for t in ts])
def test_signs_that_only_show_together_are_a_crisis(mechanism: str, text: str) -> None:
    verdict = assess(text)
    assert verdict.risk == "crisis", (mechanism, text, verdict.reasons)


# Their near misses: the same words in everyday talk, with no plan, no threat, no second sign.
TOGETHER_NEAR_MISSES = [
    "Took my pain tablets, no point doing the stretch until they kick in?",
    "the bridge was closed so I was late, I decided to walk",
    "I have a plan for my meds with the GP",
    "Taking my tablets now, bye!",
    "goodbye for now, off to take my tablets",
    "I take my tablets when my husband is at work",
    "sleeping pills made me sleep for a long time",
    "would 2 paracetamol be enough for the pain?",
    "I gave my old crutches away, I don't need them anymore",
    "I gave my crutches to my neighbour, won't be needing them",
    "I take my tablets with a drink of water",
    "is it ok to have a beer with my gabapentin",
    "I took my tablets this morning",
    "took 2 co-codamol with a glass of wine",
    "I'm bringing the bread knife to the picnic",
    "one more set of hammer curls, will do the rest next time",
    "I'll get them a knife set for christmas",
    "my husband keeps my tablets in the kitchen",
    "my son took my phone to fix it",
    "the doctor won't let me go home until my bloods are back",
    "the nurse comes into my room at night to check on me",
    "my eyes are blurry after reading all day",
    "my hand won't grip properly since the wrist op",
    "pain down my left arm since the shoulder exercise",
    "numb bum from cycling to the session lol",
    "keeping my pills high so the grandkids don't find them",
    "what's the easiest way to do the bridge exercise",
    "can I do it in a warm bath",
    "looking up whether ibuprofen and paracetamol together is ok",
    "I do the exercise daily instead of once a week",
    "I won't be here next week, on holiday",
    "made up my mind about ending my gym membership",
    "i decided to end it with my boyfriend",
    "not sure i will make it next time, the bus is always late",
    "I wrote notes for the group about the exercises",
    "the river walk was lovely, no point rushing though",
    "nothing matters more than my grandkids",
    "my partner keeps my medication in a locked box for me because I forget",
    "the old knife block is going for good",
    "got my pills sorted in the dosette for the week, all ready",
    "I'm done for today, bye!",
    "my dad won't let me drive until my knee is better",
    "I have decided to do the 10k after all",
    "my dad threw the ball to me in the garden",
]


@pytest.mark.parametrize("text", TOGETHER_NEAR_MISSES)
def test_one_sign_alone_in_everyday_talk_raises_nothing(text: str) -> None:
    verdict = assess(text)
    assert (verdict.risk, verdict.rupture) == ("none", "none"), (text, verdict.reasons)


# Someone else's story, a topic at work, a past that is over, a trivial grievance: nothing to raise.
NOT_THE_PATIENTS_OWN = [
    "my friend self harms and we are getting her help, any tips?",
    "my neighbour had a fall yesterday, she is ok now",
    "our charity ran a course on suicide and how to ask about it",
    "the book is about domestic abuse, really moving",
    "I'm a paramedic so I see overdoses at work every week",
    "years ago I self-harmed but I'm four years free now",
    "I'm going to kill my brother, he ate all my chocolate lol",
    "tingling in my knee after the ice pack, it goes away after a bit",
]


@pytest.mark.parametrize("text", NOT_THE_PATIENTS_OWN)
def test_others_topics_resolved_pasts_and_hyperbole_raise_nothing(text: str) -> None:
    verdict = assess(text)
    assert (verdict.risk, verdict.rupture) == ("none", "none"), (text, verdict.reasons)


def test_the_patient_brought_back_in_is_not_someone_else() -> None:
    # "she" is the subject, but the matched words are about the patient
    assert assess("gave my cat to my sister so she is looked after when i am gone").risk == "crisis"
    assert assess("my friend said i should talk to you, i have been self harming").risk == "crisis"


def test_a_second_sign_must_be_found_outside_the_first() -> None:
    # "numb" inside the matched "numb bum" is not a second sign; weak legs are
    assert assess("numb bum today").risk != "crisis"
    assert assess("numb bum today and my legs feel weak").risk == "crisis"


def test_a_negated_second_sign_does_not_count() -> None:
    assert assess("I have my tablets but I would never end it").risk != "crisis"


def test_new_rules_stay_fast_on_long_messages() -> None:
    import time
    text = "i have a plan and the tablets knife bridge no point bye and my legs feel weak " * 100
    started = time.perf_counter()
    assess(text)
    assert time.perf_counter() - started < 1.0


# Families said in everyday words: passive wishes, last check-ins, affairs settled, self-injury hinted,
# relapse in passing, more than prescribed, a target watched, control at home, sudden signs.
CRISIS_IN_EVERYDAY_WORDS = {
    "passive death wish": [
        "most nights I hope I won't live to see the morning",
        "honestly if a lorry ran me over it wouldn't be so bad",
        "my family would be better with me gone",
        "I'd not mind if I just didn't wake up after the anaesthetic",
        "the only thing stopping me from doing it is my mum",
        "planning to not be here after christmas",
    ],
    "a goodbye or affairs settled": [
        "this will be my final check in. take care all",
        "so this is goodbye. thanks for trying with me",
        "paid off all my debts and deleted my accounts. ready now",
        "finished my will, it is decided, calmer now",
        "if anyone reads this afterwards, sorry",
    ],
    "self-injury": [
        "I've been digging my nails into my arm until it bleeds, only thing that helps",
        "used the blade again last night, just a few",
        "a few cuts on my thigh, nobody knows",
        "wear long sleeves at work so nobody sees my arms",
    ],
    "relapse and more than prescribed": [
        "18 months sober and I had a drink tonight",
        "clean time gone, used last night",
        "took way more of my tramadol than prescribed and I'm really drowsy",
    ],
    "violence, control, unsafe at home": [
        "my dad's shotgun is under my bed, been thinking about it",
        "I've been sitting outside my ex's house every night to make her regret it",
        "he checks my phone so I have to delete these messages",
        "she said if I tell anyone about it nobody will believe me",
        "my stepdad kicked me out, sleeping in the park tonight",
    ],
    "sudden medical signs": [
        "sight went dark in my right eye for a few minutes then came back",
        "woke up and the left side of my face won't move",
        "legs gave way and I can't feel them",
        "my inhaler isn't helping and I'm really wheezy",
        "hit my head on the kitchen floor and I'm on apixaban",
        "heard a crack and can't put any weight on my ankle",
        "dad is suddenly very confused, not like him at all",
    ],
}


@pytest.mark.parametrize(("family", "text"), [(f, t) for f, ts in CRISIS_IN_EVERYDAY_WORDS.items() for t in ts])
def test_crisis_in_everyday_words(family: str, text: str) -> None:
    verdict = assess(text)
    assert verdict.risk == "crisis", (family, text, verdict.reasons)


EVERYDAY_LOOKALIKES = [
    "hope the flight goes down smoothly tomorrow, off to Spain",
    "I wouldn't mind if the session was moved to Friday",
    "the only reason i am here is my physio referred me",
    "giving my baby clothes to my sister, won't need them now",
    "sorted my will before the op, feels good to be organised",
    "discharged today so this is my last check in, thanks everyone",
    "so this is goodbye to the crutches!",
    "deleted my socials for a digital detox, feel so much calmer",
    "cleaned the house top to bottom, ready for the guests",
    "banged my head on the cupboard door again, clumsy me",
    "bought a new razor, haven't used it yet",
    "old habits are back, eating crisps on the sofa again",
    "got a massage gun, thinking about using it on my calves",
    "watching her house while she's on holiday, feeding the cat",
    "my husband reads my messages out loud to me since my eyesight went",
    "sleeping in the car on the way to Scotland, road trip",
    "heard a crack in my knee during squats, no pain though",
    "my nan was very confused today, she has dementia",
    "took the whole week of tablets out of the box to put in my dosette",
    "walked more than I should and feel dizzy",
    "3 years sober and took up running",
    "back on the bike again after the op",
    "the sea looks so inviting today",
    "swerved into the other lane to avoid a fox",
    "all i want is to be with her again, we broke up in may",
    "planning how I'll do it, the garden redesign",
    "I'll finish it myself, the decorator never came back",
    "can't talk now, she's here visiting",
]


@pytest.mark.parametrize("text", EVERYDAY_LOOKALIKES)
def test_everyday_lookalikes_are_not_a_crisis(text: str) -> None:
    verdict = assess(text)
    assert verdict.risk != "crisis", (text, verdict.reasons)


@pytest.mark.parametrize("text", [
    "6 months since I last self harmed, feeling good",
    "one year free from self harm, proud of me",
    "my brother overdosed years back, he's doing great now",
    "tapering off my sertraline slowly with my GP",
])
def test_recovery_milestones_and_planned_tapering_raise_nothing(text: str) -> None:
    verdict = assess(text)
    assert verdict.risk == "none", (text, verdict.reasons)


def test_a_questionnaire_item_answered_no_is_not_a_crisis() -> None:
    assert assess("Q4 asked if i want to die, no i dont").risk != "crisis"
    assert assess("no, I haven't had thoughts of being better off dead").risk != "crisis"


def test_jk_kind_of_is_still_serious() -> None:
    assert assess("what if i stepped off the platform when the train comes lol jk. kind of").risk == "crisis"


def test_texting_shorthand_is_read() -> None:
    assert normalise("burned my arm w a lighter, no1 wud notice") == [
        "burned my arm with a lighter , no one would notice"
    ]
