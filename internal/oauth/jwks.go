package oauth

import (
	"net/http"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
)

// jwks serves the server's public keys (RFC 7517 §5), precomputed bytes with
// an ETag so that clients can revalidate cheaply.
func (h *Handler) jwks(w http.ResponseWriter, r *http.Request, as *authServer) {
	set, err := h.keys.Get(r.Context(), as.ID)
	if err != nil {
		apierr.WriteJSON(w, r, apierr.Internal(err))
		return
	}
	if match := r.Header.Get("If-None-Match"); match != "" && match == set.ETag {
		w.Header().Set("ETag", set.ETag)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writePublicJSON(w, set.JWKS, set.ETag)
}
