"""Demo content for paper review: a pool of twenty well-known deep-learning papers in 5기, the
members' bids, a first round assigned by the solver and finished (write-ups submitted), and a
second round open for the leader to assign. Called by `manage.py seed_demo`; idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from labs.models import Cohort
from members.models import User
from sessions.models import (
    Bid,
    Paper,
    PaperStatus,
    ReviewAssignment,
    ReviewSettings,
    Slot,
    SlotKind,
)
from sessions.services.reviews import (
    PaperFields,
    bid_set,
    paper_create,
    paper_update,
    review_assignment_apply,
    review_assignment_preview,
    review_settings_update,
    review_update,
)


@dataclass(frozen=True)
class DemoPaper:
    title: str
    url: str
    authors: str
    venue: str
    year: int
    tags: tuple[str, ...]
    suggested_by: str


def _arxiv(arxiv_id: str) -> str:
    return f"https://arxiv.org/abs/{arxiv_id}"


# The first round: the classics the cohort read at its start.
FIRST_ROUND = (
    DemoPaper(
        "Attention Is All You Need",
        _arxiv("1706.03762"),
        "Ashish Vaswani, Noam Shazeer, Niki Parmar, Jakob Uszkoreit, Llion Jones, et al.",
        "NeurIPS",
        2017,
        ("transformer", "attention"),
        "jiwoo",
    ),
    DemoPaper(
        "Deep Residual Learning for Image Recognition",
        _arxiv("1512.03385"),
        "Kaiming He, Xiangyu Zhang, Shaoqing Ren, Jian Sun",
        "CVPR",
        2016,
        ("vision", "cnn"),
        "seoyeon",
    ),
    DemoPaper(
        "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
        _arxiv("1810.04805"),
        "Jacob Devlin, Ming-Wei Chang, Kenton Lee, Kristina Toutanova",
        "NAACL",
        2019,
        ("nlp", "pretraining"),
        "hyunwoo",
    ),
    DemoPaper(
        "Adam: A Method for Stochastic Optimization",
        _arxiv("1412.6980"),
        "Diederik P. Kingma, Jimmy Ba",
        "ICLR",
        2015,
        ("optimization",),
        "yejun",
    ),
    DemoPaper(
        "Generative Adversarial Networks",
        _arxiv("1406.2661"),
        "Ian J. Goodfellow, Jean Pouget-Abadie, Mehdi Mirza, et al.",
        "NeurIPS",
        2014,
        ("generative",),
        "minjun",
    ),
    DemoPaper(
        "Denoising Diffusion Probabilistic Models",
        _arxiv("2006.11239"),
        "Jonathan Ho, Ajay Jain, Pieter Abbeel",
        "NeurIPS",
        2020,
        ("generative", "diffusion"),
        "siwoo",
    ),
    DemoPaper(
        "An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale",
        _arxiv("2010.11929"),
        "Alexey Dosovitskiy, Lucas Beyer, Alexander Kolesnikov, et al.",
        "ICLR",
        2021,
        ("vision", "transformer"),
        "seoyeon",
    ),
    DemoPaper(
        "Batch Normalization: Accelerating Deep Network Training by Reducing Internal "
        "Covariate Shift",
        _arxiv("1502.03167"),
        "Sergey Ioffe, Christian Szegedy",
        "ICML",
        2015,
        ("optimization",),
        "gunwoo",
    ),
)

# The second round: what 5기 ("LLM 에이전트") reads now; bids are in, nobody is assigned yet.
SECOND_ROUND = (
    DemoPaper(
        "Language Models are Few-Shot Learners",
        _arxiv("2005.14165"),
        "Tom B. Brown, Benjamin Mann, Nick Ryder, Melanie Subbiah, et al.",
        "NeurIPS",
        2020,
        ("llm",),
        "jiwoo",
    ),
    DemoPaper(
        "Scaling Laws for Neural Language Models",
        _arxiv("2001.08361"),
        "Jared Kaplan, Sam McCandlish, Tom Henighan, et al.",
        "arXiv",
        2020,
        ("llm", "scaling"),
        "yuna",
    ),
    DemoPaper(
        "Training Compute-Optimal Large Language Models",
        _arxiv("2203.15556"),
        "Jordan Hoffmann, Sebastian Borgeaud, Arthur Mensch, et al.",
        "NeurIPS",
        2022,
        ("llm", "scaling"),
        "yuna",
    ),
    DemoPaper(
        "Training language models to follow instructions with human feedback",
        _arxiv("2203.02155"),
        "Long Ouyang, Jeff Wu, Xu Jiang, et al.",
        "NeurIPS",
        2022,
        ("llm", "rlhf"),
        "jiwoo",
    ),
    DemoPaper(
        "Chain-of-Thought Prompting Elicits Reasoning in Large Language Models",
        _arxiv("2201.11903"),
        "Jason Wei, Xuezhi Wang, Dale Schuurmans, et al.",
        "NeurIPS",
        2022,
        ("llm", "reasoning"),
        "yuna",
    ),
    DemoPaper(
        "ReAct: Synergizing Reasoning and Acting in Language Models",
        _arxiv("2210.03629"),
        "Shunyu Yao, Jeffrey Zhao, Dian Yu, et al.",
        "ICLR",
        2023,
        ("agent", "reasoning"),
        "jiwoo",
    ),
    DemoPaper(
        "Toolformer: Language Models Can Teach Themselves to Use Tools",
        _arxiv("2302.04761"),
        "Timo Schick, Jane Dwivedi-Yu, Roberto Dessì, et al.",
        "NeurIPS",
        2023,
        ("agent", "tools"),
        "minjun",
    ),
    DemoPaper(
        "Reflexion: Language Agents with Verbal Reinforcement Learning",
        _arxiv("2303.11366"),
        "Noah Shinn, Federico Cassano, Edward Berman, et al.",
        "NeurIPS",
        2023,
        ("agent",),
        "siwoo",
    ),
    DemoPaper(
        "LoRA: Low-Rank Adaptation of Large Language Models",
        _arxiv("2106.09685"),
        "Edward J. Hu, Yelong Shen, Phillip Wallis, et al.",
        "ICLR",
        2022,
        ("llm", "fine-tuning"),
        "yejun",
    ),
    DemoPaper(
        "LLaMA: Open and Efficient Foundation Language Models",
        _arxiv("2302.13971"),
        "Hugo Touvron, Thibaut Lavril, Gautier Izacard, et al.",
        "arXiv",
        2023,
        ("llm",),
        "gunwoo",
    ),
    DemoPaper(
        "Learning Transferable Visual Models From Natural Language Supervision",
        _arxiv("2103.00020"),
        "Alec Radford, Jong Wook Kim, Chris Hallacy, et al.",
        "ICML",
        2021,
        ("multimodal",),
        "seoyeon",
    ),
    DemoPaper(
        "Retrieval-Augmented Generation for Knowledge-Intensive NLP Tasks",
        _arxiv("2005.11401"),
        "Patrick Lewis, Ethan Perez, Aleksandra Piktus, et al.",
        "NeurIPS",
        2020,
        ("rag", "retrieval"),
        "gunwoo",
    ),
)

REVIEWERS = ("jiwoo", "minjun", "siwoo", "hyunwoo", "yejun", "seoyeon", "yuna", "gunwoo")
PREFERENCES = ("very_high", "high", "neutral", "low", "very_low")
# Who wrote what: a member's own paper is never theirs to review (none of these are real
# authors; the demo needs one to show the rule).
AUTHORS = {"Retrieval-Augmented Generation for Knowledge-Intensive NLP Tasks": "gunwoo"}
CONFLICTS = {("Reflexion: Language Agents with Verbal Reinforcement Learning", "siwoo")}
# The paper slots the sessions demo laid out ("slow paper": one paper a week, a presenter).
SLOTS = {
    "ReAct (2022)": "ReAct: Synergizing Reasoning and Acting in Language Models",
    "Toolformer (2023)": "Toolformer: Language Models Can Teach Themselves to Use Tools",
    "Reflexion (2023)": "Reflexion: Language Agents with Verbal Reinforcement Learning",
}
FIRST_ROUND_SEED = 20260905
WRITEUP = (
    "## 한 줄 요약\n{title}의 핵심 아이디어와 실험을 정리했습니다.\n\n"
    "## 좋았던 점\n- 문제 설정이 명확하고 ablation이 충실합니다.\n\n"
    "## 토론거리\n- 우리 구현 트랙에서 재현해 볼 만한 부분은?\n"
)


def _bid_for(paper_index: int, reviewer_index: int) -> str | None:
    """A fixed, varied pattern: most members bid on most papers, some skip (neutral)."""
    value = (paper_index * 7 + reviewer_index * 3) % 11
    return None if value >= 8 else PREFERENCES[value % len(PREFERENCES)]


def _papers(cohort: Cohort, specs: tuple[DemoPaper, ...], users: dict[str, User]) -> list[Paper]:
    found = []
    for spec in specs:
        paper = Paper.objects.filter(cohort=cohort, title=spec.title).first()
        if paper is None:
            paper = paper_create(
                actor=users[spec.suggested_by],
                cohort=cohort,
                fields=PaperFields(
                    title=spec.title,
                    url=spec.url,
                    authors=spec.authors,
                    venue=spec.venue,
                    year=spec.year,
                    tags=spec.tags,
                    member_author_ids=(
                        (users[AUTHORS[spec.title]].pk,) if spec.title in AUTHORS else ()
                    ),
                ),
            )
        found.append(paper)
    return found


def _bids(papers: list[Paper], users: dict[str, User], offset: int) -> None:
    existing = set(Bid.objects.filter(paper__in=papers).values_list("paper_id", "user_id"))
    for i, paper in enumerate(papers):
        if paper.status == PaperStatus.REVIEWED:
            continue
        for j, local in enumerate(REVIEWERS):
            user = users[local]
            if (paper.pk, user.pk) in existing or AUTHORS.get(paper.title) == local:
                continue
            preference = (
                "conflict" if (paper.title, local) in CONFLICTS else _bid_for(i + offset, j)
            )
            if preference is not None:
                bid_set(actor=user, paper=paper, preference=preference)


def _first_round(cohort: Cohort, leader: User, papers: list[Paper]) -> None:
    """Assign the first round with the solver, then every reviewer submits a write-up and
    the papers are marked reviewed."""
    if ReviewAssignment.objects.filter(paper__in=papers).exists():
        return
    preview = review_assignment_preview(actor=leader, cohort=cohort, seed=FIRST_ROUND_SEED)
    review_assignment_apply(
        actor=leader,
        cohort=cohort,
        preview_fingerprint=preview.fingerprint,
        pairs=[(pair.paper_id, pair.reviewer_id) for pair in preview.pairs],
    )
    reviews = ReviewAssignment.objects.filter(paper__in=papers).select_related(
        "paper__cohort", "reviewer"
    )
    for n, review in enumerate(reviews.order_by("id")):
        link = "" if n % 3 else f"https://github.com/seoul-ai-lab/paper-notes/issues/{n + 1}"
        review_update(
            actor=review.reviewer,
            review=review,
            status="submitted",
            writeup_url=link,
            writeup_notes=WRITEUP.format(title=review.paper.title),
        )
    for paper in papers:
        paper_update(
            actor=leader,
            paper=paper,
            fields=PaperFields(
                title=paper.title,
                url=paper.url,
                authors=paper.authors,
                venue=paper.venue,
                year=paper.year,
                tags=tuple(paper.tags),
                abstract=paper.abstract,
                track=paper.track,
                reviews_needed=paper.reviews_needed,
            ),
            status=PaperStatus.REVIEWED,
        )


def _slow_papers(cohort: Cohort, leader: User, papers: list[Paper]) -> None:
    """Link the second round's agent papers to the paper slots where they are presented."""
    by_title = {paper.title: paper for paper in papers}
    slots = Slot.objects.filter(meeting__cohort=cohort, kind=SlotKind.PAPER).select_related(
        "meeting"
    )
    for slot in slots:
        paper = by_title.get(SLOTS.get(slot.title, ""))
        if paper is None or paper.slot_id == slot.pk:
            continue
        paper_update(
            actor=leader,
            paper=paper,
            fields=PaperFields(
                title=paper.title,
                url=paper.url,
                authors=paper.authors,
                venue=paper.venue,
                year=paper.year,
                tags=tuple(paper.tags),
                abstract=paper.abstract,
                track=paper.track,
                reviews_needed=paper.reviews_needed,
                member_author_ids=tuple(paper.member_authors.values_list("pk", flat=True)),
            ),
            status=PaperStatus.SCHEDULED,
            slot=slot,
        )


def seed_reviews_demo(*, cohort: Cohort, leader: User, users: dict[str, User]) -> None:
    """The pool (20 papers), bids, a finished first round and an open second one."""
    if not ReviewSettings.objects.filter(cohort=cohort).exists():
        review_settings_update(
            actor=leader,
            cohort=cohort,
            reviews_per_paper=2,
            load_cap=4,
            due_days=14,
            bidding_open=True,
        )
    first = _papers(cohort, FIRST_ROUND, users)
    _bids(first, users, offset=0)
    _first_round(cohort, leader, first)
    second = _papers(cohort, SECOND_ROUND, users)
    _bids(second, users, offset=len(FIRST_ROUND))
    _slow_papers(cohort, leader, second)
