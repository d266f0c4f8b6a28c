"""Comments the project wrote for the demo, by language and intended sentiment.

Written for this project (not taken from any dataset). English carries MIXED too; other languages fall back
to English for MIXED. Dutch is a language Comprehend cannot score, so it stays UNSCORED.
"""

from __future__ import annotations

import random

TEXTS: dict[str, dict[str, tuple[str, ...]]] = {
    "es": {
        "POSITIVE": (
            "Me encanta este diseño, el color es precioso.",
            "¡Trabajo increíble, estoy muy contenta!",
            "Las uñas quedaron perfectas, muchas gracias.",
        ),
        "NEGATIVE": (
            "Muy decepcionada, el esmalte se levantó en un día.",
            "Horrible, las uñas quedaron feas y mal hechas.",
            "Pésimo servicio, no volveré nunca.",
        ),
        "NEUTRAL": (
            "¿Este diseño está disponible el sábado?",
            "Reservé una cita para la próxima semana.",
            "¿Cuánto tiempo dura este tipo de manicura?",
        ),
    },
    "fr": {
        "POSITIVE": (
            "J'adore ce design, la couleur est magnifique !",
            "Travail superbe, je suis ravie.",
            "Des ongles parfaits, merci beaucoup !",
        ),
        "NEGATIVE": (
            "Très déçue, le vernis s'est écaillé dès le lendemain.",
            "Horrible, c'est mal fait et baclé.",
            "Service nul, je ne reviendrai pas.",
        ),
        "NEUTRAL": (
            "Ce modèle est-il disponible samedi ?",
            "J'ai pris rendez-vous pour mardi prochain.",
            "Combien de temps faut-il pour cette pose ?",
        ),
    },
    "de": {
        "POSITIVE": (
            "Ich liebe dieses Design, die Farbe ist wunderschön!",
            "Tolle Arbeit, ich bin sehr zufrieden.",
            "Perfekte Nägel, vielen Dank!",
        ),
        "NEGATIVE": (
            "Sehr enttäuscht, der Lack ist nach einem Tag abgeplatzt.",
            "Schrecklich, die Nägel sehen schlampig aus.",
            "Schlechter Service, ich komme nicht wieder.",
        ),
        "NEUTRAL": (
            "Gibt es dieses Design auch am Samstag?",
            "Ich habe einen Termin für nächste Woche gebucht.",
            "Wie lange dauert diese Maniküre?",
        ),
    },
    "it": {
        "POSITIVE": (
            "Adoro questo design, il colore è bellissimo!",
            "Lavoro fantastico, sono felicissima.",
            "Unghie perfette, grazie mille!",
        ),
        "NEGATIVE": (
            "Molto delusa, lo smalto si è rovinato dopo un giorno.",
            "Orribile, le unghie sono fatte male.",
            "Servizio pessimo, non tornerò più.",
        ),
        "NEUTRAL": (
            "Questo design è disponibile sabato?",
            "Ho prenotato per la prossima settimana.",
            "Quanto dura questo tipo di manicure?",
        ),
    },
    "pt": {
        "POSITIVE": (
            "Adorei este design, a cor é linda!",
            "Trabalho maravilhoso, fiquei muito feliz.",
            "Unhas perfeitas, muito obrigada!",
        ),
        "NEGATIVE": (
            "Muito decepcionada, o esmalte descascou em um dia.",
            "Horrível, as unhas ficaram feias e mal feitas.",
            "Péssimo atendimento, não volto mais.",
        ),
        "NEUTRAL": (
            "Este design está disponível no sábado?",
            "Marquei um horário para a próxima semana.",
            "Quanto tempo demora esta manicure?",
        ),
    },
    "ja": {
        "POSITIVE": (
            "このデザインが大好きです。色がとてもきれい！",
            "素晴らしい仕上がりで、とても満足しています。",
            "完璧なネイルです。ありがとうございます！",
        ),
        "NEGATIVE": (
            "とても残念です。一日でネイルが剥がれました。",
            "最悪です。仕上がりが雑でひどい。",
            "接客がひどかった。もう行きません。",
        ),
        "NEUTRAL": (
            "このデザインは土曜日に予約できますか？",
            "来週の火曜日に予約しました。",
            "このネイルは何時間かかりますか？",
        ),
    },
    "ko": {
        "POSITIVE": (
            "이 디자인 정말 좋아요, 색이 너무 예뻐요!",
            "최고의 솜씨예요, 정말 만족해요.",
            "완벽한 네일이에요, 감사합니다!",
        ),
        "NEGATIVE": (
            "정말 실망했어요, 하루 만에 벗겨졌어요.",
            "최악이에요, 너무 엉망으로 했어요.",
            "서비스가 별로예요, 다시는 안 갈 거예요.",
        ),
        "NEUTRAL": (
            "이 디자인은 토요일에 예약할 수 있나요?",
            "다음 주 화요일로 예약했어요.",
            "이 네일은 시간이 얼마나 걸리나요?",
        ),
    },
    "zh": {
        "POSITIVE": ("我非常喜欢这个设计，颜色太漂亮了！", "做得很好，我非常满意。", "美甲完美，谢谢！"),
        "NEGATIVE": ("非常失望，指甲油一天就掉了。", "太差了，做得很粗糙。", "服务很糟糕，我不会再来了。"),
        "NEUTRAL": ("这个款式星期六可以预约吗？", "我预约了下周二。", "这种美甲需要多长时间？"),
    },
    "ar": {
        "POSITIVE": ("أحب هذا التصميم، اللون رائع جدا!", "عمل ممتاز، أنا سعيدة جدا.", "أظافر مثالية، شكرا جزيلا!"),
        "NEGATIVE": (
            "خيبة أمل كبيرة، الطلاء تقشر بعد يوم واحد.",
            "سيء جدا، الأظافر غير مرتبة.",
            "خدمة سيئة، لن أعود مرة أخرى.",
        ),
        "NEUTRAL": (
            "هل هذا التصميم متاح يوم السبت؟",
            "حجزت موعدا الأسبوع القادم.",
            "كم من الوقت يستغرق هذا المانيكير؟",
        ),
    },
}
# Share of comments per language in the demo (English most; Dutch is the unscored one).
LANGUAGES = {
    "en": 0.34,
    "es": 0.1,
    "fr": 0.09,
    "de": 0.08,
    "it": 0.07,
    "pt": 0.07,
    "ja": 0.06,
    "ko": 0.05,
    "zh": 0.05,
    "ar": 0.04,
    "nl": 0.05,
}
FURIOUS = (
    "This is the worst manicure I have ever had, absolutely disgusting and rude staff!",
    "Terrible! My nails are ruined and nobody cared. Awful, awful service.",
    "¡Horrible! Me arruinaron las uñas, el peor servicio de mi vida.",
    "Inacceptable ! Travail horrible, mes ongles sont abîmés, je suis furieuse.",
    "Absolutely awful. The polish peeled off in hours and I was charged twice. Disgraceful.",
    "Schrecklich! Die schlechteste Maniküre überhaupt, total enttäuscht und wütend.",
)


def pick(rnd: random.Random, sentiment: str, english: dict[str, tuple[str, ...]]) -> tuple[str, str]:
    """(language, text) for a comment whose intended sentiment is `sentiment`."""
    if sentiment == "UNSCORED":
        return "nl", rnd.choice(english["UNSCORED"])
    language = rnd.choices([k for k in LANGUAGES if k != "nl"], [v for k, v in LANGUAGES.items() if k != "nl"])[0]
    bank = TEXTS.get(language, {})
    if sentiment not in bank:
        return "en", rnd.choice(english[sentiment])
    return language, rnd.choice(bank[sentiment])
