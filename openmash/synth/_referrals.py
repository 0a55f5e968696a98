"""Referral text templates, written in the voice of the referring professional.

Every template names the child (``{child}``, or every child of the referral
through ``{children_desc}``) and is two or three sentences;
secondary concerns add one sentence each, so a text has two to five
sentences. Templates contain no full stop except at the end of a sentence, so
sentences can be counted by splitting after ``.``.

The texts are fictional: the names, streets and schools filled in come from the
synthetic area, and the scenarios are generic illustrations of each concern.

Placeholders (filled by the generator): ``child``, ``age`` and the child's
pronouns ``he``/``He``/``him``/``his``/``His``/``himself``; ``children_desc``
(``Amelia (7) and Jack (4)``), ``children_names``, ``was_were``, ``is_are``,
``lives_live``; the main ``carer`` (given name), ``carer_full``, ``carer_rel``
(``mother``, ``grandfather``...), ``carer_she``/``carer_she_cap``/``carer_her``/
``carer_his``, ``carer_childword`` (``Mummy``); another adult ``other``,
``other_full``, ``other_rel``, ``other_he``; ``alt_carer``; ``school``,
``street``, ``town2``, ``time``, ``incident_date``, ``n``, ``attendance``,
``nth`` and ``dash``.
"""

from __future__ import annotations

from dataclasses import dataclass

from openmash.synth.area import AgencyKind, ConcernCategory

__all__ = ["CO_OCCURRING", "SECONDARY", "TEMPLATES", "Template", "category_allowed"]


@dataclass(frozen=True, slots=True)
class Template:
    category: ConcernCategory
    agencies: tuple[AgencyKind, ...]
    text: str
    min_age: int = 0
    max_age: int = 17
    needs_school: bool = False
    """The child must be at school (the text names it)."""
    female_child: bool = False
    female_carer: bool = False
    resident_other: bool = False
    """The other adult must live with the child (a partner of the carer)."""
    absent_other: bool = False
    """The other adult must live elsewhere (typically a parent who has left)."""


def _t(
    category: ConcernCategory,
    agencies: tuple[AgencyKind, ...],
    text: str,
    min_age: int = 0,
    max_age: int = 17,
    **flags: bool,
) -> Template:
    return Template(category, agencies, " ".join(text.split()), min_age, max_age, **flags)


#: Minimum age of a child for each concern (and FGM is for girls only).
_MIN_AGE: dict[ConcernCategory, int] = {"cse": 11, "cce": 11, "missing": 10, "radicalisation": 11}


def category_allowed(category: ConcernCategory, age: int, sex: str) -> bool:
    if category == "fgm" and sex != "female":
        return False
    return age >= _MIN_AGE.get(category, 0)


TEMPLATES: tuple[Template, ...] = (
    # -- neglect ----------------------------------------------------------
    _t(
        "neglect",
        ("school",),
        """
        {child} ({age}) has arrived at {school} hungry and in unwashed uniform on at least {n} occasions
        this half term, and staff have seen {him} taking food from other pupils' lunchboxes. {His}
        attendance has fallen to {attendance}% and {his} {carer_rel} {carer_full} has not responded to calls
        or letters from the school office. The DSL is concerned that {his} basic needs are not being met at
        home.
        """,
        4,
        13,
        needs_school=True,
    ),
    _t(
        "neglect",
        ("health_visitor",),
        """
        Home visit completed on {incident_date} to {carer_full} at {street}. The home was cold, there was
        very little food in the cupboards and {child}'s cot was being used to store bags of washing. {child}
        has missed two developmental reviews and {his} immunisations are not up to date.
        """,
        0,
        3,
    ),
    _t(
        "neglect",
        ("police", "public"),
        """
        A neighbour reported {children_names} playing unsupervised in the road on {street} late on
        {incident_date}. When officers arrived {child} ({age}) said {his} {carer_rel} had gone out and {he}
        did not know when {carer_she} would be back. {carer_full} returned at {time} and no other adult had
        been caring for the children.
        """,
        3,
        12,
    ),
    _t(
        "neglect",
        ("police",),
        """
        Officers carrying out a welfare check at {street} on {incident_date} found the property in a very
        poor state, with dog mess on the floors, no working heating and almost no food. {children_desc}
        {was_were} at home with {carer_full}, who appeared to be under the influence of alcohol. {child} was
        dressed in clothes that were too small and had not been washed for some time.
        """,
        0,
        11,
    ),
    _t(
        "neglect",
        ("gp",),
        """
        {child} ({age}) was brought to surgery by {his} {carer_rel} {carer_full} with severe nappy rash and
        a cough that has not been treated for several weeks. {child} appears underweight and has dropped two
        centile lines since {his} last review, and there have been {n} missed appointments for {him} this
        year.
        """,
        0,
        3,
    ),
    _t(
        "neglect",
        ("anonymous", "public"),
        """
        The caller reports that {children_names} are regularly left at home alone at {street} while {carer}
        goes out in the evenings. They say {child} ({age}) often asks neighbours for food and has been seen
        outside in thin clothes in the cold. The caller is worried that nobody is looking after the children
        properly.
        """,
        5,
        14,
    ),
    # -- physical abuse ---------------------------------------------------
    _t(
        "physical_abuse",
        ("school",),
        """
        {child} ({age}) came into {school} with a bruise to {his} left cheek and finger-tip marks on {his}
        upper arm. When asked by {his} class teacher, {child} said that {other} "grabbed me because I was
        naughty". {He} was quiet and tearful for the rest of the morning and asked whether {he} had to go
        home.
        """,
        4,
        15,
        needs_school=True,
    ),
    _t(
        "physical_abuse",
        ("school", "school_nurse"),
        """
        During a PE lesson staff noticed that {child} ({age}) had several bruises on {his} back, which
        appear to be at different stages of healing. {child} said {he} fell off {his} bike, but later told a
        friend that {other} hits {him} with a belt when {he} is in trouble. The family have not been spoken
        to, pending advice from the MASH.
        """,
        6,
        15,
        needs_school=True,
    ),
    _t(
        "physical_abuse",
        ("hospital",),
        """
        {child} ({age}) was brought to the emergency department by {his} {carer_rel} {carer_full} with a
        fracture to the right arm. The explanation given, that {he} fell from the sofa, is not consistent
        with the injury or with {his} developmental stage. A skeletal survey has been requested and the
        paediatric consultant has asked for a strategy discussion.
        """,
        0,
        3,
    ),
    _t(
        "physical_abuse",
        ("police",),
        """
        Police were called to {street} at {time} on {incident_date} by a neighbour who heard a child
        screaming. {child} ({age}) had a reddened mark to {his} face and told officers that {other} had
        slapped {him}. {other_full} ({other_rel}) was arrested on suspicion of assault and has been bailed
        not to contact the children.
        """,
        5,
        16,
    ),
    _t(
        "physical_abuse",
        ("gp",),
        """
        {carer_full} brought {child} ({age}) to an appointment with bruising to {his} back and the backs of
        {his} legs. The account of how the bruising happened changed during the consultation, and {child}
        would not make eye contact or answer questions. I am concerned that these injuries are
        non-accidental.
        """,
        1,
        12,
    ),
    # -- sexual abuse -----------------------------------------------------
    _t(
        "sexual_abuse",
        ("school",),
        """
        {child} ({age}) disclosed to a teaching assistant at {school} that an adult known to the family has
        been touching {him} in a way that made {him} feel uncomfortable. The disclosure was recorded in
        {child}'s own words and {he} has not been questioned further. Staff have also noticed sexualised
        behaviour in class over recent weeks.
        """,
        5,
        15,
        needs_school=True,
    ),
    _t(
        "sexual_abuse",
        ("police",),
        """
        {carer_full} reported that {child} ({age}) has been sent sexual images and messages by an adult on a
        gaming platform and asked to send images in return. Devices have been seized and enquiries are
        ongoing. {carer} has been given online safety advice and is supportive of {child}.
        """,
        10,
        17,
    ),
    _t(
        "sexual_abuse",
        ("gp", "hospital"),
        """
        {child} ({age}) attended with symptoms that raise concern about possible sexual abuse, and {he}
        could not give an account of how they started. {His} {carer_rel} {carer_full} became defensive when
        asked who looks after {child} when {carer_she} is at work. This referral is made in line with
        safeguarding procedures.
        """,
        6,
        15,
    ),
    # -- emotional abuse --------------------------------------------------
    _t(
        "emotional_abuse",
        ("school",),
        """
        Staff at {school} have repeatedly overheard {carer_full} ({carer_rel}) shouting at {child} ({age})
        at the school gate and calling {him} "useless" and "stupid". {child} has become withdrawn and has
        told {his} teacher that nobody at home wants {him}. The school has offered Early Help support, which
        {carer} has declined.
        """,
        5,
        14,
        needs_school=True,
    ),
    _t(
        "emotional_abuse",
        ("health_visitor", "gp"),
        """
        {carer_full} describes {child} ({age}) in very negative terms, saying {he} "ruined my life". During
        the visit {child} was left crying in a separate room and was not comforted. There appears to be very
        little warmth or positive interaction between {carer} and {child}.
        """,
        0,
        4,
    ),
    _t(
        "emotional_abuse",
        ("health_visitor",),
        """
        {child} ({age}) is a very quiet, watchful baby who does not look to {his} {carer_rel} for comfort.
        {carer_full} told me that {carer_she} "can't stand" being around {child} and often leaves {him} in
        the cot for long periods so that {carer_she} can get some peace.
        """,
        0,
        1,
    ),
    _t(
        "emotional_abuse",
        ("public", "anonymous"),
        """
        A neighbour reports hearing {carer_full} screaming at {child} ({age}) almost every evening, calling
        {him} names and telling {him} to get out of the house. {child} is often seen sitting alone on the
        doorstep of {street} after dark.
        """,
        4,
        15,
    ),
    _t(
        "emotional_abuse",
        ("family_member",),
        """
        The caller, a relative of the family, reports that {child} ({age}) is regularly shut in {his}
        bedroom as a punishment and is not allowed to eat with the rest of the household. They say {other}
        constantly puts {child} down and treats {him} differently from the other children.
        """,
        4,
        14,
        resident_other=True,
    ),
    # -- domestic abuse ---------------------------------------------------
    _t(
        "domestic_abuse",
        ("police",),
        """
        Police attended {street} at {time} on {incident_date} following a 999 call reporting shouting and
        banging. {carer_full} disclosed that {other_full} ({other_rel}) had pushed {carer_her} against a
        wall and smashed {carer_his} phone, and {children_desc} {was_were} in the property at the time.
        {other} was arrested and a DASH risk assessment was completed, graded {dash} risk.
        """,
    ),
    _t(
        "domestic_abuse",
        ("police",),
        """
        Officers were called to a verbal argument between {carer_full} and {other_full} ({other_rel}) at
        {street} on {incident_date}. No offences were disclosed, but {child} ({age}) was heard crying
        upstairs and told officers {he} gets scared when the adults shout. This is the {nth} domestic
        incident reported at the address in the last twelve months.
        """,
        3,
        17,
    ),
    _t(
        "domestic_abuse",
        ("police",),
        """
        {carer_full} reported that {other_full} ({other_rel}) came to {street} at {time} on {incident_date}
        in breach of a non-molestation order and tried to force the front door. {children_desc} {was_were}
        at home and {child} saw {other} shouting threats through the window. {other} has been circulated as
        wanted and the DASH risk assessment was graded {dash} risk.
        """,
        absent_other=True,
    ),
    _t(
        "domestic_abuse",
        ("gp",),
        """
        {carer_full} attended surgery with a black eye and bruising to {carer_his} wrists, which {carer_she}
        said happened during an argument with {other} ({other_rel}). {carer} is frightened of how {other}
        will react to police involvement and asked that this referral is handled carefully. {children_desc}
        {lives_live} in the household.
        """,
        resident_other=True,
    ),
    _t(
        "domestic_abuse",
        ("school",),
        """
        {child} ({age}) told {his} class teacher that {other} "hurt {carer_childword}" at the weekend and
        that {he} hid under the bed. {He} appeared tired and anxious and was reluctant to leave at the end
        of the day. {His} {carer_rel} {carer_full} did not want to discuss this with the DSL.
        """,
        4,
        11,
        needs_school=True,
    ),
    _t(
        "domestic_abuse",
        ("health_visitor", "midwife"),
        """
        During a routine visit {carer_full} disclosed that {other} has been controlling {carer_his} money
        and checking {carer_his} phone, and recently threatened to take {child} ({age}) away. {carer} has
        been given details of the local domestic abuse service and a MARAC referral is being considered.
        """,
        0,
        4,
        resident_other=True,
    ),
    # -- child sexual exploitation ---------------------------------------
    _t(
        "cse",
        ("police",),
        """
        {child} ({age}) was found by officers at {time} in a car with two adult males in a retail park car
        park. {He} was under the influence of alcohol and had a new mobile phone that {carer} did not know
        about. Intelligence suggests {child} is being groomed by older males who have given {him} gifts and
        cannabis.
        """,
        12,
        17,
    ),
    _t(
        "cse",
        ("school",),
        """
        {child} ({age}) has been collected from {school} on several occasions by an older male in a car who
        is not known to the family. {His} attendance has dropped and {he} has been seen with new clothes and
        a second phone. Friends have told staff that {child} has a "boyfriend" who is in his twenties.
        """,
        12,
        17,
        needs_school=True,
    ),
    _t(
        "cse",
        ("hospital",),
        """
        {child} ({age}) attended the emergency department at {time} intoxicated and with a cut lip,
        accompanied by an adult male who left before staff could speak to him. {child} gave an address that
        was not {his} home address and would not say where {he} had been. The CSE screening tool indicates
        significant risk.
        """,
        13,
        17,
    ),
    # -- child criminal exploitation -------------------------------------
    _t(
        "cce",
        ("police",),
        """
        {child} ({age}) was stopped in {town2} and found in possession of wraps of class A drugs, cash and
        two mobile phones. {He} said {he} was "doing a favour" for someone and appeared frightened. Officers
        believe {child} is being criminally exploited through county lines and an NRM referral is being
        considered.
        """,
        12,
        17,
    ),
    _t(
        "cce",
        ("school", "youth_service"),
        """
        {child} ({age}) has been missing from lessons and has been seen meeting older youths near the school
        gates. {He} has recently had large amounts of cash and new trainers, and told staff {he} "owes"
        someone. {His} {carer_rel} {carer_full} says {child} is often out late and will not say where {he}
        goes.
        """,
        12,
        17,
    ),
    _t(
        "cce",
        ("police",),
        """
        Officers executing a warrant at a flat in {town2} at {time} found {child} ({age}) with adults known
        for drug supply. {He} had no explanation for being there and was returned home to {carer_full}. This
        is the second time {child} has been found in similar circumstances.
        """,
        13,
        17,
    ),
    # -- missing ----------------------------------------------------------
    _t(
        "missing",
        ("police",),
        """
        {child} ({age}) was reported missing by {his} {carer_rel} {carer_full} at {time} on {incident_date}
        after failing to return home from school. {He} was found the following afternoon in {town2} and
        would not say where {he} had stayed. This is {his} {nth} missing episode in three months and a
        return home interview is requested.
        """,
        10,
        17,
    ),
    _t(
        "missing",
        ("school",),
        """
        {child} ({age}) left {school} at lunchtime without permission and did not return, and {carer} did
        not know where {he} might be. {He} was found by police later that evening with older young people
        not known to the family.
        """,
        10,
        17,
        needs_school=True,
    ),
    _t(
        "missing",
        ("police",),
        """
        {carer_full} contacted police at {time} to report that {child} ({age}) had not come home overnight.
        {child} returned the next morning, tired and hungry, and gave no explanation. Officers note an
        increase in missing episodes and new associations with older peers.
        """,
        11,
        17,
    ),
    # -- FGM --------------------------------------------------------------
    _t(
        "fgm",
        ("school",),
        """
        {child} ({age}) told a member of staff that {he} is going on a long holiday "to become a woman" and
        that there will be a special party for {him}. The family plan to travel abroad for several weeks
        before the end of term. The DSL is concerned that {child} may be at risk of FGM.
        """,
        4,
        13,
        needs_school=True,
        female_child=True,
    ),
    _t(
        "fgm",
        ("gp", "midwife"),
        """
        During an appointment {carer_full} disclosed that {carer_she} underwent FGM as a child. {carer}
        mentioned that {carer_his} daughter {child} ({age}) will be travelling abroad with the family for an
        extended trip over the summer. This referral is made in line with FGM safeguarding guidance.
        """,
        0,
        12,
        female_child=True,
        female_carer=True,
    ),
    # -- radicalisation ---------------------------------------------------
    _t(
        "radicalisation",
        ("school",),
        """
        {child} ({age}) has been sharing extremist material with classmates on {his} phone and has made
        comments in lessons supporting violence against particular groups. The school has made a Prevent
        referral and is informing the MASH in parallel.
        """,
        12,
        17,
        needs_school=True,
    ),
    _t(
        "radicalisation",
        ("police",),
        """
        Information has been received that {child} ({age}) is in regular online contact with an adult who
        promotes extremist ideology. {His} {carer_rel} {carer_full} is not aware of the contact. Prevent
        colleagues have been informed and a Channel panel discussion may be appropriate.
        """,
        12,
        17,
    ),
    # -- parental mental health ------------------------------------------
    _t(
        "parental_mental_health",
        ("gp",),
        """
        {carer_full}, {carer_rel} of {children_desc}, attended surgery today in crisis and described
        thoughts of ending {carer_his} life. {carer} reports having stopped {carer_his} prescribed
        medication and the crisis team has been contacted. I am concerned about who will care for {child}
        while {carer_she} is unwell.
        """,
    ),
    _t(
        "parental_mental_health",
        ("police",),
        """
        Officers attended {street} at {time} following a concern for welfare call and found {carer_full} in
        a distressed state, and {carer_she} was detained under section 136 of the Mental Health Act.
        {children_desc} {was_were} present and {is_are} being cared for overnight by {alt_carer}.
        """,
    ),
    _t(
        "parental_mental_health",
        ("school", "school_nurse"),
        """
        {child} ({age}) has told staff that {carer_childword} "stays in bed all day" and that {he} has been
        getting {himself} ready in the mornings and making {his} own meals. {carer_full} has a known history
        of depression and has missed recent appointments with the mental health team.
        """,
        6,
        15,
    ),
    # -- substance misuse -------------------------------------------------
    _t(
        "substance_misuse",
        ("police",),
        """
        Officers stopped a car driven by {carer_full} at {time} on {incident_date} and found {child} ({age})
        in the back seat. {carer} gave a positive roadside test for cannabis and cocaine and was arrested,
        and {child} was collected from the police station by {alt_carer}.
        """,
        0,
        14,
    ),
    _t(
        "substance_misuse",
        ("police",),
        """
        Officers executing a drugs warrant at {street} found cannabis plants, scales and used needles within
        reach of {children_desc}. {carer_full} was arrested for possession with intent to supply. {child}
        was taken to stay with {alt_carer} while enquiries continue.
        """,
        0,
        12,
    ),
    _t(
        "substance_misuse",
        ("school",),
        """
        {carer_full} ({carer_rel}) arrived to collect {child} ({age}) from {school} smelling strongly of
        alcohol and unsteady on {carer_his} feet. Staff did not feel it was safe to release {child} and
        contacted {alt_carer}, who collected {him}. This is the second time this has happened this term.
        """,
        4,
        11,
        needs_school=True,
    ),
    _t(
        "substance_misuse",
        ("ambulance", "hospital"),
        """
        {carer_full} was taken to hospital following a suspected overdose at {street}. {carer_she_cap} is
        the main carer for {children_desc}, who {was_were} at home with no other adult present when the crew
        arrived. {child} is staying with {alt_carer} for now.
        """,
    ),
    # -- other ------------------------------------------------------------
    _t(
        "other",
        ("housing",),
        """
        The family at {street} have been served notice and are at risk of homelessness within four weeks.
        {carer_full} is caring for {children_desc} and has significant rent arrears. The property is damp
        with black mould in the room {child} sleeps in.
        """,
    ),
    _t(
        "other",
        ("school", "early_help"),
        """
        {child} ({age}) has been persistently absent from {school} this term, with attendance of
        {attendance}%, and the family have not engaged with the attendance officer. {carer_full} has said
        {child} will be educated at home but has not provided any details, and there is a concern that {he}
        is missing education.
        """,
        5,
        15,
        needs_school=True,
    ),
    _t(
        "other",
        ("probation",),
        """
        {other_full}, who is on licence following a conviction for violent offences, has disclosed that
        {other_he} is now spending time at {street}, where {carer_full} lives with {children_desc}.
        Probation is sharing this information so that the safety of {child} can be considered.
        """,
        absent_other=True,
    ),
)

#: One-sentence additions for secondary concerns.
SECONDARY: dict[ConcernCategory, tuple[str, ...]] = {
    "neglect": (
        "Home conditions were described as poor, with little food in the house.",
        "{child} is often seen in dirty clothes and has untreated head lice.",
    ),
    "physical_abuse": ("{child} has previously presented with unexplained bruising.",),
    "sexual_abuse": ("{child} has made comments suggesting {he} may have been exposed to sexual content.",),
    "emotional_abuse": (
        "{child} appears frightened of the adults at home and is very withdrawn.",
        "{carer} is reported to speak to {child} in a belittling and hostile way.",
    ),
    "domestic_abuse": (
        "There is a history of domestic abuse incidents between {carer} and {other}.",
        "Police have attended the home for domestic incidents twice this year.",
    ),
    "cse": ("There are concerns that {child} is in contact with older males online.",),
    "cce": ("{child} has been seen with older youths believed to be involved in drug supply.",),
    "missing": ("{child} has been reported missing twice in the last two months.",),
    "radicalisation": ("{child} has also been viewing extremist content online.",),
    "parental_mental_health": (
        "{carer} has a history of depression and is not engaging with mental health services.",
    ),
    "substance_misuse": (
        "There are also concerns about {carer}'s use of alcohol and cannabis.",
        "Neighbours have reported a strong smell of cannabis from the property.",
    ),
    "other": ("The family are also facing eviction because of rent arrears.",),
}

#: Secondary concerns that commonly accompany a primary concern.
CO_OCCURRING: dict[ConcernCategory, tuple[ConcernCategory, ...]] = {
    "neglect": ("substance_misuse", "parental_mental_health", "other", "emotional_abuse"),
    "physical_abuse": ("domestic_abuse", "emotional_abuse", "neglect"),
    "sexual_abuse": ("emotional_abuse", "cse"),
    "emotional_abuse": ("domestic_abuse", "neglect", "parental_mental_health"),
    "domestic_abuse": ("substance_misuse", "parental_mental_health", "emotional_abuse", "physical_abuse"),
    "cse": ("missing", "cce", "substance_misuse", "sexual_abuse"),
    "cce": ("missing", "cse", "substance_misuse"),
    "missing": ("cse", "cce"),
    "fgm": (),
    "radicalisation": ("other",),
    "parental_mental_health": ("neglect", "substance_misuse", "domestic_abuse"),
    "substance_misuse": ("neglect", "domestic_abuse", "parental_mental_health"),
    "other": ("neglect",),
}
