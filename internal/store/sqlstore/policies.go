package sqlstore

import (
	"context"
	"slices"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

const policyCols = `id, auth_server_id, name, description, priority, status, is_system, clients, created, last_updated`

func scanPolicy(row scanner) (store.AccessPolicy, error) {
	var p store.AccessPolicy
	var clients string
	var created, updated int64
	if err := row.Scan(&p.ID, &p.AuthServerID, &p.Name, &p.Description, &p.Priority, &p.Status, &p.System, &clients,
		&created, &updated); err != nil {
		return p, err
	}
	p.Created, p.LastUpdated = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	return p, unlist(map[*[]string]string{&p.Clients: clients})
}

func (s *Store) ListAccessPolicies(ctx context.Context, authServerID string) ([]store.AccessPolicy, error) {
	return queryAll(ctx, s, scanPolicy, `SELECT `+policyCols+` FROM auth_policies WHERE auth_server_id = ?
		ORDER BY priority, id`, authServerID)
}

func (s *Store) GetAccessPolicy(ctx context.Context, authServerID, id string) (store.AccessPolicy, error) {
	p, err := scanPolicy(s.queryRow(ctx, `SELECT `+policyCols+` FROM auth_policies WHERE auth_server_id = ? AND id = ?`,
		authServerID, id))
	return p, s.translate(err)
}

func (s *Store) CreateAccessPolicy(ctx context.Context, p store.AccessPolicy) (store.AccessPolicy, error) {
	err := s.inTx(ctx, func(t tx) error {
		if _, err := t.exec(ctx, `INSERT INTO auth_policies (`+policyCols+`) VALUES (?,?,?,?,?,?,?,?,?,?)`,
			p.ID, p.AuthServerID, p.Name, p.Description, 0, p.Status, p.System, list(p.Clients), p.Created.Unix(),
			unixOr(p.LastUpdated, p.Created)); err != nil {
			return s.translate(err)
		}
		var err error
		p.Priority, err = s.place(ctx, t, "auth_policies", "auth_server_id", p.AuthServerID, p.ID, p.Priority)
		return err
	})
	return p, err
}

func (s *Store) UpdateAccessPolicy(ctx context.Context, p store.AccessPolicy) (store.AccessPolicy, error) {
	err := s.inTx(ctx, func(t tx) error {
		if err := t.execOne(ctx, `UPDATE auth_policies SET name = ?, description = ?, status = ?, clients = ?,
			last_updated = ? WHERE auth_server_id = ? AND id = ?`, p.Name, p.Description, p.Status, list(p.Clients),
			p.LastUpdated.Unix(), p.AuthServerID, p.ID); err != nil {
			return err
		}
		var err error
		p.Priority, err = s.place(ctx, t, "auth_policies", "auth_server_id", p.AuthServerID, p.ID, p.Priority)
		return err
	})
	return p, err
}

func (s *Store) DeleteAccessPolicy(ctx context.Context, authServerID, id string) error {
	return s.inTx(ctx, func(t tx) error {
		if err := t.execOne(ctx, `DELETE FROM auth_policies WHERE auth_server_id = ? AND id = ?`, authServerID, id); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM auth_policy_rules WHERE policy_id = ?`, id); err != nil {
			return s.translate(err)
		}
		_, err := s.place(ctx, t, "auth_policies", "auth_server_id", authServerID, "", 0)
		return err
	})
}

const ruleCols = `id, policy_id, auth_server_id, name, priority, status, is_system, users_include, users_exclude,
	groups_include, groups_exclude, grant_types, scopes, access_token_minutes, refresh_token_minutes,
	refresh_window_minutes, created, last_updated`

func scanRule(row scanner) (store.PolicyRule, error) {
	var r store.PolicyRule
	var ui, ue, gi, ge, grants, scopes string
	var created, updated int64
	if err := row.Scan(&r.ID, &r.PolicyID, &r.AuthServerID, &r.Name, &r.Priority, &r.Status, &r.System, &ui, &ue, &gi,
		&ge, &grants, &scopes, &r.AccessTokenMinutes, &r.RefreshTokenMinutes, &r.RefreshWindowMinutes,
		&created, &updated); err != nil {
		return r, err
	}
	r.Created, r.LastUpdated = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	return r, unlist(map[*[]string]string{&r.UsersInclude: ui, &r.UsersExclude: ue, &r.GroupsInclude: gi,
		&r.GroupsExclude: ge, &r.GrantTypes: grants, &r.Scopes: scopes})
}

func (s *Store) ListPolicyRules(ctx context.Context, authServerID, policyID string) ([]store.PolicyRule, error) {
	if policyID == "" {
		return queryAll(ctx, s, scanRule, `SELECT `+ruleCols+` FROM auth_policy_rules WHERE auth_server_id = ?
			ORDER BY policy_id, priority, id`, authServerID)
	}
	return queryAll(ctx, s, scanRule, `SELECT `+ruleCols+` FROM auth_policy_rules WHERE auth_server_id = ? AND policy_id = ?
		ORDER BY priority, id`, authServerID, policyID)
}

func (s *Store) GetPolicyRule(ctx context.Context, authServerID, policyID, id string) (store.PolicyRule, error) {
	r, err := scanRule(s.queryRow(ctx, `SELECT `+ruleCols+` FROM auth_policy_rules
		WHERE auth_server_id = ? AND policy_id = ? AND id = ?`, authServerID, policyID, id))
	return r, s.translate(err)
}

func (s *Store) CreatePolicyRule(ctx context.Context, r store.PolicyRule) (store.PolicyRule, error) {
	err := s.inTx(ctx, func(t tx) error {
		// The policy must exist on the server: the row check and the insert
		// share the transaction.
		var n int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM auth_policies WHERE auth_server_id = ? AND id = ?`,
			r.AuthServerID, r.PolicyID).Scan(&n); err != nil {
			return s.translate(err)
		}
		if n == 0 {
			return store.ErrNotFound
		}
		if _, err := t.exec(ctx, `INSERT INTO auth_policy_rules (`+ruleCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			r.ID, r.PolicyID, r.AuthServerID, r.Name, 0, r.Status, r.System, list(r.UsersInclude), list(r.UsersExclude),
			list(r.GroupsInclude), list(r.GroupsExclude), list(r.GrantTypes), list(r.Scopes), r.AccessTokenMinutes,
			r.RefreshTokenMinutes, r.RefreshWindowMinutes, r.Created.Unix(), unixOr(r.LastUpdated, r.Created)); err != nil {
			return s.translate(err)
		}
		var err error
		r.Priority, err = s.place(ctx, t, "auth_policy_rules", "policy_id", r.PolicyID, r.ID, r.Priority)
		return err
	})
	return r, err
}

func (s *Store) UpdatePolicyRule(ctx context.Context, r store.PolicyRule) (store.PolicyRule, error) {
	err := s.inTx(ctx, func(t tx) error {
		if err := t.execOne(ctx, `UPDATE auth_policy_rules SET name = ?, status = ?, users_include = ?,
			users_exclude = ?, groups_include = ?, groups_exclude = ?, grant_types = ?, scopes = ?,
			access_token_minutes = ?, refresh_token_minutes = ?, refresh_window_minutes = ?, last_updated = ?
			WHERE auth_server_id = ? AND policy_id = ? AND id = ?`,
			r.Name, r.Status, list(r.UsersInclude), list(r.UsersExclude), list(r.GroupsInclude), list(r.GroupsExclude),
			list(r.GrantTypes), list(r.Scopes), r.AccessTokenMinutes, r.RefreshTokenMinutes, r.RefreshWindowMinutes,
			r.LastUpdated.Unix(), r.AuthServerID, r.PolicyID, r.ID); err != nil {
			return err
		}
		var err error
		r.Priority, err = s.place(ctx, t, "auth_policy_rules", "policy_id", r.PolicyID, r.ID, r.Priority)
		return err
	})
	return r, err
}

func (s *Store) DeletePolicyRule(ctx context.Context, authServerID, policyID, id string) error {
	return s.inTx(ctx, func(t tx) error {
		if err := t.execOne(ctx, `DELETE FROM auth_policy_rules WHERE auth_server_id = ? AND policy_id = ? AND id = ?`,
			authServerID, policyID, id); err != nil {
			return err
		}
		_, err := s.place(ctx, t, "auth_policy_rules", "policy_id", policyID, "", 0)
		return err
	})
}

// place renumbers the rows of table whose group column equals group to
// 1..n, with row id at priority pos (pos < 1 or past the end: last), and
// returns the priority id got. An empty id only closes gaps. table and
// group column are constants of this file, never input.
func (s *Store) place(ctx context.Context, t tx, table, groupCol, group, id string, pos int) (int, error) {
	rows, err := t.query(ctx, `SELECT id, priority FROM `+table+` WHERE `+groupCol+` = ? ORDER BY priority, id`, group)
	if err != nil {
		return 0, s.translate(err)
	}
	var ids []string
	had := map[string]int{}
	for rows.Next() {
		var rowID string
		var prio int
		if err := rows.Scan(&rowID, &prio); err != nil {
			rows.Close()
			return 0, s.translate(err)
		}
		had[rowID] = prio
		if rowID != id {
			ids = append(ids, rowID)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, s.translate(err)
	}
	got := 0
	if id != "" {
		if pos < 1 || pos > len(ids)+1 {
			pos = len(ids) + 1
		}
		ids = slices.Insert(ids, pos-1, id)
		got = pos
	}
	for i, rowID := range ids {
		if had[rowID] == i+1 {
			continue
		}
		if _, err := t.exec(ctx, `UPDATE `+table+` SET priority = ? WHERE id = ?`, i+1, rowID); err != nil {
			return 0, s.translate(err)
		}
	}
	return got, nil
}
