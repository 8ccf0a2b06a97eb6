package httpapi

import (
	"context"
	"net/http"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"suapcds/shared/domain"
)

// The JWT claims the functions read, as the HTTP API's JWT authorizer passes
// them on. The identity provider must put them in the access token.
const (
	ClaimSubject = "sub"         // the user's stable id
	ClaimName    = "name"        // display name, for the history ("Maria Rossi")
	ClaimRole    = "suap_role"   // suap_operator | basin_operator | manager | admin
	ClaimOffice  = "suap_office" // the office id of a suap_operator
	ClaimBasin   = "suap_basin"  // the basin id of a basin_operator
	ClaimUnit    = "suap_unit"   // the office's or basin's display name
)

// PrincipalFromClaims builds the principal from the authorizer's claims. It
// reports false when the subject or role is missing or the role is unknown,
// or an operator lacks the office or basin the role needs.
func PrincipalFromClaims(c map[string]string) (domain.Principal, bool) {
	p := domain.Principal{
		UserID:   c[ClaimSubject],
		Name:     c[ClaimName],
		Role:     domain.Role(c[ClaimRole]),
		OfficeID: c[ClaimOffice],
		BasinID:  c[ClaimBasin],
		Unit:     c[ClaimUnit],
	}
	if p.Name == "" {
		p.Name = p.UserID
	}
	switch {
	case p.UserID == "" || !p.Role.Valid():
		return domain.Principal{}, false
	case p.Role == domain.RoleSuapOperator && p.OfficeID == "":
		return domain.Principal{}, false
	case p.Role == domain.RoleBasinOperator && p.BasinID == "":
		return domain.Principal{}, false
	}
	return p, true
}

type principalKey struct{}

// Principal returns the caller, as Authenticate stored it.
func Principal(ctx context.Context) (domain.Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(domain.Principal)
	return p, ok
}

// WithPrincipal returns ctx carrying p (for tests and the signed-link path).
func WithPrincipal(ctx context.Context, p domain.Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// ErrUnauthenticated answers a request without usable claims.
var ErrUnauthenticated = &domain.Error{Kind: domain.KindForbidden, Code: "unauthenticated",
	Detail: "Accesso non autenticato o profilo non riconosciuto: effettuare di nuovo l'accesso."}

// Authenticate reads the principal from the API Gateway v2 authorizer's JWT
// claims and refuses the request (401) when there is none. It never trusts a
// header the client could set.
func Authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := Principal(r.Context()); ok {
			next.ServeHTTP(w, r)
			return
		}
		rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context())
		if !ok || rc.Authorizer == nil || rc.Authorizer.JWT == nil {
			WriteProblem(w, r, http.StatusUnauthorized, ErrUnauthenticated)
			return
		}
		p, ok := PrincipalFromClaims(rc.Authorizer.JWT.Claims)
		if !ok {
			WriteProblem(w, r, http.StatusUnauthorized, ErrUnauthenticated)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
	})
}
