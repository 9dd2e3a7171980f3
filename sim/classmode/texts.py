"""Every word the class pages show, in English (the message ids) and through the catalogues.

The pages hold no text of their own: each element names a key of `messages`, and the page
fills it in the chosen language. Refusals of the session (`sim.classmode.session.Refused`) are
English templates translated the same way, with the region names in the page's language.
"""

from __future__ import annotations

from sim.i18n import translator


def messages(lang: str) -> dict[str, str]:
    """The pages' texts in `lang`, by key."""
    _ = translator(lang)
    return {
        "title_student": _("Transfrontier class: a border region"),
        "title_teacher": _("Transfrontier class: the teacher's page"),
        "language": _("Language"),
        "join_heading": _("Join the class"),
        "join_code": _("Join code"),
        "your_name": _("Your name"),
        "region_choice": _("Region"),
        "region_any": _("Any region (fewest students first)"),
        "join_button": _("Join"),
        "you_govern": _("You govern"),
        "waiting_start": _("Waiting for the teacher to start the class."),
        "year_playing": _("The teacher is playing the year…"),
        "run_over": _("The class run is over."),
        "decide_for": _("Your decisions for"),
        "propose_heading": _("Propose cooperation agreements to"),
        "neighbour": _("neighbour"),
        "no_student": _("no student: the model decides"),
        "received_heading": _("Proposals received: tick to accept"),
        "none_received": _("No proposals received yet."),
        "forum_heading": _("Forum of border regions"),
        "send_delegation": _("Send a delegation to this year's forum"),
        "no_forum": _("No forum is held this year."),
        "budget_heading": _("Programme budget"),
        "to_funding": _("State funding of cross-border programmes"),
        "to_investment": _("Investment attraction"),
        "submit": _("Save my decisions"),
        "saved": _("Saved for"),
        "decided_by": _("decided by"),
        "last_year_heading": _("Your region last year"),
        "turnover": _("Cross-border trade, US$ bn"),
        "ventures": _("Joint ventures hosted"),
        "agreements": _("Agreements in force"),
        "proposal_signed": _("signed"),
        "proposal_declined": _("not signed"),
        "signed_heading": _("Agreements signed on your region's proposals"),
        "code_heading": _("Join code"),
        "join_at": _("Students open this address and enter the code:"),
        "start": _("Start"),
        "step": _("Step"),
        "play": _("Play"),
        "pause": _("Pause"),
        "status_lobby": _("Not started: students can join."),
        "status_playing": _("Open for decisions:"),
        "status_over": _("The run is over."),
        "students_heading": _("Students and their decisions"),
        "region": _("Region"),
        "students": _("Students"),
        "decision": _("Decision this year"),
        "not_decided": _("not decided yet"),
        "proposes": _("proposes to"),
        "accepts": _("accepts"),
        "delegation": _("delegation"),
        "yes": _("yes"),
        "no": _("no"),
        "budget_to_funding": _("budget to funding"),
        "history_heading": _("Agreements signed by the class"),
        "past_heading": _("What the regions decided, year by year"),
        "page_defaults": _("no decision sent: the page's defaults"),
        "year": _("Year"),
        "debrief_heading": _("Debrief: the class against the same run without its decisions"),
        "debrief_button": _("Show the debrief"),
        "with_class": _("with the class"),
        "without_class": _("without"),
        "step_time": _("Last step took"),
        "seconds": _("s"),
        "saved_in": _("The session is saved in"),
        "none": _("none"),
    }


def refusal(lang: str, template: str, names: dict[str, str]) -> str:
    """A refusal of the session in `lang`, its fields filled in."""
    return translator(lang)(template).format(**names)
