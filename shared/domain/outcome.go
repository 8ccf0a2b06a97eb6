package domain

import (
	"fmt"
	"time"

	"suapcds/shared/workdays"
)

// ProposalKind is what the bodies' positions lead a conference to
// (docs/rules.md §8 rule 4).
type ProposalKind string

// The proposals.
const (
	// ProposalAwaiting: some body has no position yet.
	ProposalAwaiting ProposalKind = "in_attesa"
	// ProposalPositive: every body assents without conditions (explicitly
	// or by silence).
	ProposalPositive ProposalKind = "positivo"
	// ProposalWithConditions: every body assents, some with conditions.
	ProposalWithConditions ProposalKind = "positivo_con_prescrizioni"
	// ProposalOfficeDecision: some body dissents; the office chooses among
	// the proposal's Options.
	ProposalOfficeDecision ProposalKind = "decisione_ufficio"
)

// Label is the proposal as people read it.
func (k ProposalKind) Label() string {
	switch k {
	case ProposalAwaiting:
		return "In attesa delle posizioni delle amministrazioni"
	case ProposalPositive:
		return "Positivo"
	case ProposalWithConditions:
		return "Positivo con prescrizioni"
	case ProposalOfficeDecision:
		return "Dissenso espresso: decisione dell'amministrazione procedente"
	}
	return string(k)
}

// DissentOption is what the office may do about a dissent.
type DissentOption string

// The options of the office facing a dissent.
const (
	// OptionOvercome: the dissent is overcome; the conference concludes
	// positively with conditions (its conditions and the changes asked).
	OptionOvercome DissentOption = "superamento_dissenso"
	// OptionNegative: the dissent cannot be overcome; the negative
	// conclusion acts as the notice of art. 10-bis (preavviso di rigetto,
	// art. 14-bis c.5).
	OptionNegative DissentOption = "conclusione_negativa"
	// OptionSynchronous: the office convenes a synchronous session (art.
	// 14-bis c.6); only in an asynchronous conference.
	OptionSynchronous DissentOption = "riunione_sincrona"
)

// Label is the option as people read it.
func (o DissentOption) Label() string {
	switch o {
	case OptionOvercome:
		return "Dissenso superabile: conclusione positiva con prescrizioni"
	case OptionNegative:
		return "Dissenso non superabile: conclusione negativa, con gli effetti del preavviso di rigetto (art. 10-bis)"
	case OptionSynchronous:
		return "Convocazione della riunione in modalità sincrona (art. 14-bis c.6)"
	}
	return string(o)
}

// Outcome is the conference's outcome the option concludes with; empty for
// a synchronous session, which concludes nothing yet.
func (o DissentOption) Outcome() ConferenceOutcome {
	switch o {
	case OptionOvercome:
		return OutcomeWithCondition
	case OptionNegative:
		return OutcomeNegative
	}
	return OutcomeOpen
}

// BodyConditions are the conditions one body attached to its assent.
type BodyConditions struct {
	BodyID     string
	Name       string
	Conditions string
}

// Dissent is one body's contrary determination.
type Dissent struct {
	BodyID  string
	Name    string
	Reasons string
	Changes string
	// MayOppose: the conference has sensitive interests, so the body may
	// oppose a conclusion that overcomes its dissent within OppositionDays
	// of the conclusion's communication (art. 14-quinquies).
	MayOppose bool
}

// OutcomeProposal is what the bodies' positions lead a conference to, for
// the office: the proposal, the conditions and dissents it rests on, and,
// with a dissent, the office's options.
type OutcomeProposal struct {
	Kind ProposalKind
	// Outcome is the conference's outcome of a positive proposal
	// (positivo, positivo_con_prescrizioni); empty otherwise.
	Outcome ConferenceOutcome
	// Final: every body has a position none can change any more (the
	// deadlines have passed or the assents were acquired); otherwise the
	// proposal may still change.
	Final bool
	// Awaiting are the bodies without a position yet, by id.
	Awaiting []string
	// Conditions and Dissents, in the table's order, for the prestampato
	// of the determinazione conclusiva.
	Conditions []BodyConditions
	Dissents   []Dissent
	// Options are the office's choices with ProposalOfficeDecision.
	Options []DissentOption
	// MayBeOpposed: a dissent that the office would overcome may be opposed
	// (some Dissent has MayOppose).
	MayBeOpposed bool
	// Positions is the table the proposal was drawn from.
	Positions []BodyPosition
}

// ProposeOutcome draws the proposal of conference c from its table of
// bodies (Panel.Positions): awaiting while a body has no position (or the
// table is empty); with a dissent, the office's decision — overcome it,
// conclude negatively, or (asynchronous timetable) convene a synchronous
// session; otherwise positive, with conditions when any body set some.
func ProposeOutcome(c *Conference, positions []BodyPosition) OutcomeProposal {
	pr := OutcomeProposal{Positions: positions, Final: true}
	for _, pos := range positions {
		if pos.CanDetermine {
			pr.Final = false
		}
		switch pos.Kind {
		case PositionConditions:
			pr.Conditions = append(pr.Conditions, BodyConditions{BodyID: pos.BodyID, Name: pos.Name, Conditions: pos.Determination.Conditions})
		case PositionContrary:
			pr.Dissents = append(pr.Dissents, Dissent{BodyID: pos.BodyID, Name: pos.Name,
				Reasons: pos.Determination.Reasons, Changes: pos.Determination.Changes, MayOppose: pos.MayOppose})
			pr.MayBeOpposed = pr.MayBeOpposed || pos.MayOppose
		}
		if !pos.Kind.Settled() {
			pr.Awaiting = append(pr.Awaiting, pos.BodyID)
		}
	}
	switch {
	case len(positions) == 0 || len(pr.Awaiting) > 0:
		pr.Kind, pr.Final = ProposalAwaiting, false
	case len(pr.Dissents) > 0:
		pr.Kind, pr.Options = ProposalOfficeDecision, []DissentOption{OptionOvercome, OptionNegative}
		if !c.Type.Simultaneous() {
			pr.Options = append(pr.Options, OptionSynchronous)
		}
	case len(pr.Conditions) > 0:
		pr.Kind, pr.Outcome = ProposalWithConditions, OutcomeWithCondition
	default:
		pr.Kind, pr.Outcome = ProposalPositive, OutcomePositive
	}
	return pr
}

// Proposal is ProposeOutcome on the table of the conference's bodies at
// now.
func (p *Panel) Proposal(now time.Time) OutcomeProposal {
	return ProposeOutcome(p.Conference, p.Positions(now))
}

// DeadlineOpposition: a body with sensitive interests whose dissent was
// overcome may oppose the conclusion within 10 days of its communication
// (art. 14-quinquies); meanwhile the conclusion's effect is suspended (art.
// 14-quater c.3).
const DeadlineOpposition DeadlineKind = "opposition"

// OppositionDays is the term of the opposition, in calendar days.
const OppositionDays = 10

// OppositionDeadline is the opposition's term for a conclusion communicated
// on day communicated, on the office's calendar (nil: national holidays):
// 10 calendar days, moved to the next working day when they end on a
// non-working one.
func OppositionDeadline(cal *workdays.Calendar, communicated workdays.Date) Deadline {
	if cal == nil {
		cal = workdays.National()
	}
	return calendarTerm(cal, DeadlineOpposition,
		fmt.Sprintf("Opposizione delle amministrazioni preposte alla tutela di interessi sensibili (%d giorni dalla comunicazione della determinazione conclusiva, art. 14-quinquies)", OppositionDays),
		communicated, OppositionDays, Suspension{})
}
