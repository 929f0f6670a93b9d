package console

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// The dashboard: how many apps, people, groups and authorization servers
// the org has, its latest System Log events, and the getting-started list.
// Its queries stay cheap: each count reads at most countCap rows.

// countCap is the largest count the dashboard works out; beyond it, it
// shows "500+".
const countCap = 500

// dashboardEvents is how many of the latest events the dashboard shows.
const dashboardEvents = 5

type dashboardData struct {
	Counts []dashboardCount
	Events []logRow
}

type dashboardCount struct {
	ID, Label, Link string
	N               string
}

func (c *Console) dashboard(w http.ResponseWriter, r *http.Request, p *Page) {
	counts, err := c.dashboardCounts(r.Context())
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	q, err := c.Service.LogQuery(domain.LogSearch{Descending: true})
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	q.Limit = dashboardEvents
	events, err := c.Service.SystemLog(r.Context(), q)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	d := dashboardData{Counts: counts}
	for i, e := range events {
		if i == dashboardEvents {
			break
		}
		d.Events = append(d.Events, logRow{Event: e})
	}
	p.Title, p.Section, p.Data = "Dashboard", "dashboard", d
	c.render(w, p, http.StatusOK, "dashboard.html")
}

func (c *Console) dashboardCounts(ctx context.Context) ([]dashboardCount, error) {
	st := c.Service.Store
	page := store.Page{Limit: countCap}
	apps, err := st.SearchApps(ctx, store.AppFilter{}, page)
	if err != nil {
		return nil, err
	}
	users, moreUsers, err := st.ListUsers(ctx, store.UserQuery{Page: page})
	if err != nil {
		return nil, err
	}
	groups, moreGroups, err := st.ListGroups(ctx, store.GroupQuery{Page: page})
	if err != nil {
		return nil, err
	}
	servers, err := c.Service.ListAuthServers(ctx, "")
	if err != nil {
		return nil, err
	}
	return []dashboardCount{
		{"count-apps", "Applications", "/admin/apps", capped(len(apps), false)},
		{"count-people", "People", "/admin/users", capped(len(users), moreUsers != "")},
		{"count-groups", "Groups", "/admin/groups", capped(len(groups), moreGroups != "")},
		{"count-servers", "Authorization servers", "/admin/api", capped(len(servers), false)},
	}, nil
}

// capped shows a count read with a limit of countCap (a backend may return
// one row more, to tell that more follow).
func capped(n int, more bool) string {
	if more || n > countCap {
		return strconv.Itoa(countCap) + "+"
	}
	return strconv.Itoa(n)
}
