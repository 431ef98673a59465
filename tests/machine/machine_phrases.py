"""Phrases written for these tests, one bank per category of each dimension."""

# Phrases written for these tests, one bank per category of each dimension.
PHRASES = {
    "stance": {
        "pressure": [
            "sanctions must bite harder",
            "deterrence and drills keep Pyongyang honest",
            "maximum pressure is the only language the regime hears",
        ],
        "mixed": [
            "talks backed by firm sanctions",
            "a quiet channel while the drills continue",
            "dialogue only with pressure kept in reserve",
        ],
        "engagement": [
            "a reopened liaison office and aid",
            "sanctions relief would ease tension",
            "joint projects and dialogue build peace",
        ],
        "none": [
            "the weather in Seoul was mild",
            "the minister flew to Tokyo on Monday",
            "officials met for a routine briefing",
        ],
    },
    "alliance_trust": {
        "strained": ["Washington cannot be relied upon", "the alliance is fraying over costs"],
        "ambivalent": [
            "the alliance has strengths and worrying gaps",
            "trust in Washington wavers but holds",
        ],
        "solid": ["the alliance stands as firm as ever", "Seoul and Washington are steadfast"],
        "none": ["the port reopened after repairs", "a new museum opened downtown"],
    },
    "china_role": {
        "constructive": ["Beijing helped broker the deal", "China's mediation calmed the region"],
        "obstructive": [
            "Beijing shields Pyongyang from sanctions",
            "China blocks every resolution",
        ],
        "mixed": ["Beijing both helps and hinders", "China mediates yet props up the regime"],
        "none": ["the festival drew large crowds", "rail traffic rose this spring"],
    },
}
