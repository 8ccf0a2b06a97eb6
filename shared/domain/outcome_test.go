package domain_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"suapcds/shared/domain"
)

func TestProposal(t *testing.T) {
	// After every deadline of asyncConference, 90 days included (2 November
	// 2026 + 90 = Sunday 31 January: Monday 1 February).
	after := rome(2027, time.February, 2, 9, 0)
	before := rome(2026, time.November, 25, 9, 0)
	allOptions := []domain.DissentOption{domain.OptionOvercome, domain.OptionNegative, domain.OptionSynchronous}
	for _, c := range []struct {
		name       string
		sync       bool
		sensitive  bool
		parts      []domain.Participation
		now        time.Time
		kind       domain.ProposalKind
		outcome    domain.ConferenceOutcome
		final      bool
		awaiting   []string
		conditions []string // bodies
		dissents   []string // bodies
		options    []domain.DissentOption
		opposable  bool
	}{
		{name: "all favourable", parts: []domain.Participation{record(enteComune, domain.DeterminationFavourable), record(enteVVF, domain.DeterminationFavourable)},
			now: after, kind: domain.ProposalPositive, outcome: domain.OutcomePositive, final: true},
		{name: "one with conditions", parts: []domain.Participation{record(enteComune, domain.DeterminationFavourable), record(enteVVF, domain.DeterminationConditions)},
			now: after, kind: domain.ProposalWithConditions, outcome: domain.OutcomeWithCondition, final: true, conditions: []string{"vvf"}},
		{name: "one silent", parts: []domain.Participation{record(enteComune, domain.DeterminationFavourable), record(enteASP, "")},
			now: after, kind: domain.ProposalPositive, outcome: domain.OutcomePositive, final: true},
		{name: "one silent, one with conditions", parts: []domain.Participation{record(enteASP, ""), record(enteVVF, domain.DeterminationConditions)},
			now: after, kind: domain.ProposalWithConditions, outcome: domain.OutcomeWithCondition, final: true, conditions: []string{"vvf"}},
		{name: "one contrary", parts: []domain.Participation{record(enteComune, domain.DeterminationContrary), record(enteVVF, domain.DeterminationConditions), record(enteASP, "")},
			now: after, kind: domain.ProposalOfficeDecision, final: true, conditions: []string{"vvf"}, dissents: []string{"comune"}, options: allOptions},
		{name: "one contrary, sensitive interests", sensitive: true,
			parts: []domain.Participation{record(enteComune, domain.DeterminationFavourable), record(enteASP, domain.DeterminationContrary)},
			now:   after, kind: domain.ProposalOfficeDecision, final: true, dissents: []string{"asp"}, options: allOptions, opposable: true},
		{name: "one contrary in a simultaneous conference", sync: true,
			parts: []domain.Participation{record(enteVVF, domain.DeterminationContrary)},
			now:   rome(2026, time.November, 12, 9, 0), kind: domain.ProposalOfficeDecision, dissents: []string{"vvf"},
			options: []domain.DissentOption{domain.OptionOvercome, domain.OptionNegative}},
		{name: "awaiting", parts: []domain.Participation{record(enteComune, domain.DeterminationContrary), record(enteASP, ""),
			withIntegrations(record(enteVVF, ""), date(2026, 11, 10), date(2026, 11, 18))},
			now: before, kind: domain.ProposalAwaiting, awaiting: []string{"asp", "vvf"}, dissents: []string{"comune"}},
		{name: "all favourable before the deadline", parts: []domain.Participation{record(enteComune, domain.DeterminationFavourable)},
			now: before, kind: domain.ProposalPositive, outcome: domain.OutcomePositive},
		{name: "no bodies", now: after, kind: domain.ProposalAwaiting},
	} {
		t.Run(c.name, func(t *testing.T) {
			var p *domain.Panel
			if c.sync {
				p = syncPanel(c.parts...)
				p.Sessions = p.Sessions[:1]
				p.Sessions[0].Bodies = []domain.ConvokedBody{enteVVF}
			} else {
				p = &domain.Panel{Conference: asyncConference(), Bodies: c.parts}
			}
			p.Conference.SensitiveInterests = c.sensitive
			pr := p.Proposal(c.now)
			if pr.Kind != c.kind || pr.Outcome != c.outcome || pr.Final != c.final || pr.MayBeOpposed != c.opposable {
				t.Fatalf("proposal %s %q final %v opposable %v", pr.Kind, pr.Outcome, pr.Final, pr.MayBeOpposed)
			}
			if !slices.Equal(pr.Awaiting, c.awaiting) || !slices.Equal(pr.Options, c.options) || len(pr.Positions) != len(p.Positions(c.now)) {
				t.Fatalf("awaiting %v, options %v", pr.Awaiting, pr.Options)
			}
			var conds, dissents []string
			for _, x := range pr.Conditions {
				conds = append(conds, x.BodyID)
				if x.Conditions == "" || x.Name == "" {
					t.Errorf("conditions %+v", x)
				}
			}
			for _, x := range pr.Dissents {
				dissents = append(dissents, x.BodyID)
				if x.Reasons == "" || x.Changes == "" || x.MayOppose != c.opposable {
					t.Errorf("dissent %+v", x)
				}
			}
			if !slices.Equal(conds, c.conditions) || !slices.Equal(dissents, c.dissents) {
				t.Fatalf("conditions %v, dissents %v", conds, dissents)
			}
			if pr.Kind.Label() == "" {
				t.Error("no label")
			}
		})
	}
}

// TestDissentFlaggedInTheTable: the row of a contrary body of a conference
// with sensitive interests carries the art. 14-quinquies flag; an assent
// never does.
func TestDissentFlaggedInTheTable(t *testing.T) {
	c := asyncConference()
	c.SensitiveInterests = true
	p := &domain.Panel{Conference: c, Bodies: []domain.Participation{record(enteASP, domain.DeterminationContrary), record(enteVVF, domain.DeterminationConditions)}}
	rows := p.Positions(rome(2026, time.November, 25, 9, 0))
	if !rows[0].MayOppose || rows[1].MayOppose || rows[0].Deadline.Due != date(2027, 2, 1) {
		t.Fatalf("rows %+v", rows)
	}
	c.SensitiveInterests = false
	if rows := p.Positions(rome(2026, time.November, 25, 9, 0)); rows[0].MayOppose {
		t.Fatalf("flag without sensitive interests: %+v", rows[0])
	}
}

func TestDissentOptions(t *testing.T) {
	for o, want := range map[domain.DissentOption]domain.ConferenceOutcome{
		domain.OptionOvercome: domain.OutcomeWithCondition, domain.OptionNegative: domain.OutcomeNegative, domain.OptionSynchronous: domain.OutcomeOpen,
	} {
		if got := o.Outcome(); got != want || o.Label() == string(o) {
			t.Errorf("%s: outcome %q, label %q", o, got, o.Label())
		}
	}
	if !strings.Contains(domain.OptionNegative.Label(), "art. 10-bis") {
		t.Errorf("negative: %q", domain.OptionNegative.Label())
	}
}

func TestOppositionDeadline(t *testing.T) {
	// 15 December 2026 + 10 = Friday 25 December: Monday 28.
	if d := domain.OppositionDeadline(nil, date(2026, 12, 15)); d.Due != date(2026, 12, 28) || !d.Rolled || d.Kind != domain.DeadlineOpposition ||
		!strings.Contains(d.Label, "art. 14-quinquies") {
		t.Fatalf("opposition %+v", d)
	}
	if d := domain.OppositionDeadline(nil, date(2026, 11, 2)); d.Due != date(2026, 11, 12) || d.Rolled {
		t.Fatalf("opposition %+v", d)
	}
}
