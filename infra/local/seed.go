package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"suapcds/shared/app"
	"suapcds/shared/domain"
	"suapcds/shared/httpapi"
	"suapcds/shared/store"
	"suapcds/shared/workdays"
)

// The demo basin and offices: Africo and Bianco belong to the basin
// Locride, Acquaro does not, so every visibility rule can be tried.
const (
	basinLocride = "locride"
	officeAfrico = "suap-africo"
	officeBianco = "suap-bianco"
	officeAcqu   = "suap-acquaro"
)

var demoOffices = []domain.Office{
	{
		ID: officeAfrico, Name: "Suap Comune Africo", BasinID: basinLocride,
		Email: "suap@comune.africo.rc.it", PEC: "suap.comune.africo@pec.it",
		LocalHolidays: []workdays.LocalHoliday{{Month: time.May, Day: 5, Name: "San Leo"}},
	},
	{ID: officeBianco, Name: "Suap Comune Bianco", BasinID: basinLocride, Email: "suap@comune.bianco.rc.it"},
	{ID: officeAcqu, Name: "Suap Comune Acquaro", Email: "suap@comune.acquaro.vv.it"},
}

// demoPratica is a pratica the SUAP back office has registered.
type demoPratica struct {
	id, number, office string
	proc               domain.ProcedureType
	bodies             []domain.BodyOffice
}

var (
	comuneAfrico = domain.BodyOffice{BodyID: "comune-africo", OfficeID: "ufficio-tecnico", Name: "Comune di Africo - Ufficio tecnico"}
	comuneBianco = domain.BodyOffice{BodyID: "comune-bianco", OfficeID: "urbanistica", Name: "Comune di Bianco - Settore urbanistica"}
	comuneAcqu   = domain.BodyOffice{BodyID: "comune-acquaro", OfficeID: "sue", Name: "Comune di Acquaro - Sportello unico edilizia"}
	provinciaRC  = domain.BodyOffice{BodyID: "provincia-rc", OfficeID: "ambiente", Name: "Città metropolitana di Reggio Calabria - Settore ambiente"}
	provinciaRC2 = domain.BodyOffice{BodyID: "provincia-rc", OfficeID: "viabilita", Name: "Città metropolitana di Reggio Calabria - Viabilità"}
	vvfRC        = domain.BodyOffice{BodyID: "vvf-rc", OfficeID: "prevenzione", Name: "Vigili del Fuoco - Comando di Reggio Calabria, prevenzione incendi"}
	vvfVV        = domain.BodyOffice{BodyID: "vvf-vv", OfficeID: "prevenzione", Name: "Vigili del Fuoco - Comando di Vibo Valentia, prevenzione incendi"}
	aspRC        = domain.BodyOffice{BodyID: "asp-rc", OfficeID: "sian", Name: "ASP Reggio Calabria - Igiene degli alimenti (SIAN)"}
	aspVV        = domain.BodyOffice{BodyID: "asp-vv", OfficeID: "spisal", Name: "ASP Vibo Valentia - SPISAL"}
)

var demoPratiche = []demoPratica{
	{"africo-2026-0001", "SUAP/AFRICO/2026/0001", officeAfrico, domain.ProcOrdinario, []domain.BodyOffice{comuneAfrico, provinciaRC, vvfRC}},
	{"africo-2026-0002", "SUAP/AFRICO/2026/0002", officeAfrico, domain.ProcSCIACondizionata, []domain.BodyOffice{aspRC, comuneAfrico, provinciaRC, provinciaRC2}},
	{"africo-2026-0003", "SUAP/AFRICO/2026/0003", officeAfrico, domain.ProcSCIA, []domain.BodyOffice{comuneAfrico}},
	{"bianco-2026-0001", "SUAP/BIANCO/2026/0001", officeBianco, domain.ProcConferenzaServizi, []domain.BodyOffice{comuneBianco, provinciaRC, aspRC, vvfRC}},
	{"acquaro-2026-0001", "SUAP/ACQUARO/2026/0001", officeAcqu, domain.ProcOrdinario, []domain.BodyOffice{comuneAcqu, vvfVV, aspVV}},
}

// demoUser is one role a person can sign in as.
type demoUser struct {
	Key   string // in URLs: /_local/login?role=<Key>
	Label string
	P     domain.Principal
	// Pratica is one the user may act on, for the printed curl example.
	Pratica string
}

var demoUsers = []demoUser{
	{"africo", "Operatore SUAP di Africo", domain.Principal{UserID: "op-africo-1", Name: "Maria Rossi",
		Role: domain.RoleSuapOperator, OfficeID: officeAfrico, Unit: "Suap Comune Africo"}, "africo-2026-0001"},
	{"acquaro", "Operatore SUAP di Acquaro", domain.Principal{UserID: "op-acquaro-1", Name: "Giuseppe Bruno",
		Role: domain.RoleSuapOperator, OfficeID: officeAcqu, Unit: "Suap Comune Acquaro"}, "acquaro-2026-0001"},
	{"locride", "Operatore del Bacino Locride", domain.Principal{UserID: "op-locride-1", Name: "Anna Ferraro",
		Role: domain.RoleBasinOperator, BasinID: basinLocride, Unit: "Bacino Locride"}, "bianco-2026-0001"},
	{"manager", "Gestore servizio videoconferenza", domain.Principal{UserID: "gestore-1", Name: "Luca Romano",
		Role: domain.RoleManager, Unit: "Servizio regionale videoconferenze"}, "africo-2026-0001"},
	{"admin", "Amministratore regionale", domain.Principal{UserID: "admin-1", Name: "Paola Greco",
		Role: domain.RoleAdmin, Unit: "Regione Calabria"}, ""},
}

// claims are the JWT claims of u, named as the functions read them.
func (u demoUser) claims() map[string]string {
	c := map[string]string{}
	for k, v := range map[string]string{
		httpapi.ClaimSubject: u.P.UserID, httpapi.ClaimName: u.P.Name, httpapi.ClaimRole: string(u.P.Role),
		httpapi.ClaimOffice: u.P.OfficeID, httpapi.ClaimBasin: u.P.BasinID, httpapi.ClaimUnit: u.P.Unit,
	} {
		if v != "" {
			c[k] = v
		}
	}
	return c
}

// seed writes the demo data that is missing: what exists is left alone, so
// a restart duplicates nothing and keeps what people changed. It returns
// what it added.
func seed(ctx context.Context, st *store.Repo, svc *app.Service) (added int, err error) {
	for _, o := range demoOffices {
		_, err := st.GetOffice(ctx, o.ID)
		switch {
		case errors.Is(err, domain.ErrNotFound):
			if err := st.PutOffice(ctx, o); err != nil {
				return added, fmt.Errorf("office %s: %w", o.ID, err)
			}
			added++
		case err != nil:
			return added, fmt.Errorf("office %s: %w", o.ID, err)
		}
	}
	for _, p := range demoPratiche {
		_, err := st.GetPratica(ctx, p.id)
		if err == nil {
			continue
		}
		if !errors.Is(err, domain.ErrNotFound) {
			return added, fmt.Errorf("pratica %s: %w", p.id, err)
		}
		// Through the use case, as the SUAP back office registers it: the
		// same validation, the basin from the office, the history entry.
		backOffice := domain.Principal{UserID: "backoffice-suap", Name: "Back office SUAP (dati dimostrativi)",
			Role: domain.RoleSuapOperator, OfficeID: p.office, Unit: officeName(p.office)}
		if _, _, err := svc.RegisterPratica(ctx, backOffice, p.id, app.PraticaInput{
			Number: p.number, OfficeID: p.office, ProcedureType: p.proc, Bodies: p.bodies,
		}); err != nil {
			return added, fmt.Errorf("pratica %s: %w", p.id, err)
		}
		added++
	}
	n, err := seedRooms(ctx, st)
	if added += n; err != nil {
		return added, err
	}
	n, err = seedBodies(ctx, st)
	return added + n, err
}

// demoBodies are the directory's third-party bodies, the ones the demo
// pratiche involve (addresses of the example domain: nothing is mailed).
var demoBodies = []domain.Body{
	{ID: "comune-africo", Name: "Comune di Africo", PEC: "protocollo.comune.africo@pec.example.it"},
	{ID: "comune-bianco", Name: "Comune di Bianco", PEC: "protocollo.comune.bianco@pec.example.it"},
	{ID: "comune-acquaro", Name: "Comune di Acquaro", PEC: "protocollo.comune.acquaro@pec.example.it"},
	{ID: "provincia-rc", Name: "Città metropolitana di Reggio Calabria", PEC: "protocollo@pec.cittametropolitana.rc.example.it"},
	{ID: "vvf-rc", Name: "Vigili del Fuoco - Comando di Reggio Calabria", PEC: "com.reggiocalabria@cert.vigilfuoco.example.it"},
	{ID: "vvf-vv", Name: "Vigili del Fuoco - Comando di Vibo Valentia", PEC: "com.vibovalentia@cert.vigilfuoco.example.it"},
	{ID: "asp-rc", Name: "ASP Reggio Calabria", Email: "protocollo@asp.rc.example.it"},
	{ID: "asp-vv", Name: "ASP Vibo Valentia", Email: "protocollo@asp.vv.example.it"},
}

// seedBodies adds the directory's bodies that are missing.
func seedBodies(ctx context.Context, st *store.Repo) (added int, err error) {
	ids := make([]string, len(demoBodies))
	for i, b := range demoBodies {
		ids[i] = b.ID
	}
	have, err := st.GetBodies(ctx, ids)
	if err != nil {
		return 0, fmt.Errorf("bodies: %w", err)
	}
	for i, b := range demoBodies {
		if have[i] != nil {
			continue
		}
		if err := st.PutBody(ctx, &b); err != nil {
			return added, fmt.Errorf("body %s: %w", b.ID, err)
		}
		added++
	}
	return added, nil
}

// demoRooms are the service's virtual rooms.
var demoRooms = []domain.Room{
	{ID: "sala-1", Name: "Sala virtuale 1", DefaultLink: "https://videoconferenza.regione.calabria.it/sala-1", Active: true},
	{ID: "sala-2", Name: "Sala virtuale 2", DefaultLink: "https://videoconferenza.regione.calabria.it/sala-2", Active: true},
	{ID: "sala-3", Name: "Sala virtuale 3", DefaultLink: "https://videoconferenza.regione.calabria.it/sala-3", Active: true},
}

// seedRooms adds the rooms that are missing.
func seedRooms(ctx context.Context, st *store.Repo) (added int, err error) {
	for _, r := range demoRooms {
		_, err := st.GetRoom(ctx, r.ID)
		switch {
		case errors.Is(err, domain.ErrNotFound):
			if err := st.PutRoom(ctx, r); err != nil {
				return added, fmt.Errorf("room %s: %w", r.ID, err)
			}
			added++
		case err != nil:
			return added, fmt.Errorf("room %s: %w", r.ID, err)
		}
	}
	return added, nil
}

func officeName(id string) string {
	for _, o := range demoOffices {
		if o.ID == id {
			return o.Name
		}
	}
	return id
}
