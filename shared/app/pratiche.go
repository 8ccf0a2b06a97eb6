package app

import (
	"context"
	"strings"

	"suapcds/shared/domain"
	"suapcds/shared/histchain"
	"suapcds/shared/store"
)

// PraticaInput is what the SUAP back office registers about a pratica.
type PraticaInput struct {
	Number        string
	OfficeID      string
	ProcedureType domain.ProcedureType
	Bodies        []domain.BodyOffice
}

// RegisterPratica creates or updates the pratica id. The office must be one
// the caller acts for; its basin comes from the office's configuration,
// never from the input. created tells which it was.
func (s *Service) RegisterPratica(ctx context.Context, who domain.Principal, id string, in PraticaInput) (p *domain.Pratica, created bool, err error) {
	if err := operatorOnly(who); err != nil {
		return nil, false, err
	}
	cand := &domain.Pratica{ID: id, Number: in.Number, OfficeID: in.OfficeID, ProcedureType: in.ProcedureType, Bodies: in.Bodies}
	if err := cand.Validate(); err != nil {
		return nil, false, err
	}
	cur, office, err := s.store.PraticaToChange(ctx, id, in.OfficeID)
	if err != nil {
		return nil, false, err
	}
	if office == nil {
		return nil, false, errUnknownOffice
	}
	if !who.CanActOn(office.ID, office.BasinID) {
		return nil, false, domain.ErrForbidden
	}
	cand.BasinID = office.BasinID
	now := s.clock.Now()
	if cur == nil {
		h := domain.NewHistory(id, who, domain.OpPraticaRegistered, "", now)
		if err := s.store.SavePratica(ctx, cand, h); err != nil {
			return nil, false, err
		}
		return cand, true, nil
	}
	if !who.CanActOn(cur.OfficeID, cur.BasinID) {
		return nil, false, domain.ErrNotFound
	}
	cur.Number, cur.OfficeID, cur.BasinID = cand.Number, cand.OfficeID, cand.BasinID
	cur.ProcedureType, cur.Bodies = cand.ProcedureType, cand.Bodies
	h := domain.NewHistory(id, who, domain.OpPraticaUpdated, "", now)
	if err := s.store.SavePratica(ctx, cur, h); err != nil {
		return nil, false, err
	}
	return cur, false, nil
}

// GetPratica returns a pratica the caller may see.
func (s *Service) GetPratica(ctx context.Context, who domain.Principal, id string) (*domain.Pratica, error) {
	if who.Role == domain.RoleAdmin {
		return nil, domain.ErrForbidden
	}
	return s.visiblePratica(ctx, who, id, true)
}

// CDSCheck is the answer of the Verifiche tab's live check.
type CDSCheck struct {
	Required       bool
	Notice         string
	DistinctBodies int
	Convened       bool
	// ReasonRequired: sending now needs the reason for not convening.
	ReasonRequired bool
}

// CheckCDS tells whether verifications to the selected offices make a CDS
// mandatory. It writes nothing.
func (s *Service) CheckCDS(ctx context.Context, who domain.Principal, id string, selected []domain.BodyOffice) (CDSCheck, error) {
	if err := operatorOnly(who); err != nil {
		return CDSCheck{}, err
	}
	p, err := s.visiblePratica(ctx, who, id, false)
	if err != nil {
		return CDSCheck{}, err
	}
	if err := p.CheckSelected(selected); err != nil {
		return CDSCheck{}, err
	}
	c := CDSCheck{
		Required:       domain.CDSRequired(p.ProcedureType, selected),
		DistinctBodies: domain.DistinctBodies(selected),
		Convened:       p.CDSConvened,
	}
	if c.Required {
		c.Notice = domain.CDSNotice
	}
	c.ReasonRequired = c.Required && !c.Convened && p.NoCDSReason == ""
	return c, nil
}

// SendVerifications records that the verifications went to the selected
// offices, with the reason for not convening a mandatory CDS.
func (s *Service) SendVerifications(ctx context.Context, who domain.Principal, id string, selected []domain.BodyOffice, reason string) (*domain.Pratica, error) {
	if err := operatorOnly(who); err != nil {
		return nil, err
	}
	p, err := s.praticaToChange(ctx, who, id)
	if err != nil {
		return nil, err
	}
	given := reason
	if p.NoCDSReason != "" && given == "" {
		given = p.NoCDSReason // already stated for this pratica
	}
	r, err := p.SendVerifications(selected, given)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	names := make([]string, len(selected))
	for i, b := range selected {
		names[i] = b.Name
	}
	hist := []domain.HistoryEntry{domain.NewHistory(id, who, domain.OpVerificationsSent, strings.Join(names, ", "), now)}
	if r != "" && r != p.NoCDSReason {
		hist = append(hist, domain.NewHistory(id, who, domain.OpNoCDSReason, "", now))
		p.NoCDSReason = r
	}
	p.VerificationsSent = true
	if err := s.store.SavePratica(ctx, p, hist...); err != nil {
		return nil, err
	}
	return p, nil
}

// History returns a page of the pratica's Storico.
func (s *Service) History(ctx context.Context, who domain.Principal, id, cursor string, limit int) (store.HistoryPage, error) {
	if who.Role == domain.RoleAdmin {
		return store.HistoryPage{}, domain.ErrForbidden
	}
	if _, err := s.visiblePratica(ctx, who, id, true); err != nil {
		return store.HistoryPage{}, err
	}
	return s.store.History(ctx, id, cursor, limit)
}

// HistoryExport returns the pratica's whole history with its hash chain, to
// whoever may read its Storico.
func (s *Service) HistoryExport(ctx context.Context, who domain.Principal, id string) (histchain.Export, error) {
	if who.Role == domain.RoleAdmin {
		return histchain.Export{}, domain.ErrForbidden
	}
	if _, err := s.visiblePratica(ctx, who, id, true); err != nil {
		return histchain.Export{}, err
	}
	x, err := s.store.HistoryExport(ctx, id)
	if err != nil {
		return histchain.Export{}, err
	}
	x.ExportedAt = histchain.FormatTime(s.clock.Now())
	return x, nil
}

// ShowReason tells whether who may read the reason for not convening a CDS:
// SUAP-side operators only (docs/rules.md §1).
func ShowReason(who domain.Principal) bool { return who.SUAPSide() }
