-- GridGov's two database roles, created or brought up to date (idempotent); run as a
-- superuser by scripts/setup-db.sh and by the PostGIS container's init script:
--   psql -v owner=gridgov_owner -v owner_password=... -v app=gridgov_app \
--        -v app_password=... -v owner_createdb=false -f scripts/db/roles.sql
-- The owner role owns the tables and runs the migrations; the application role owns
-- nothing (docs/security-parts/dbrole.md). Neither is a superuser or may create roles.
-- An empty password leaves the role's password as it is. owner_createdb=true lets the
-- owner create the test database (make test); false leaves the attribute alone.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

SELECT :'owner' = :'app' AS same_role,
       EXISTS (SELECT 1 FROM pg_roles WHERE rolname IN (:'owner', :'app') AND rolsuper)
           AS superuser_named \gset
\if :same_role
  DO $$ BEGIN RAISE EXCEPTION 'the owner and the application role must differ'; END $$;
\endif
-- Never turn an existing superuser (postgres) into an application role, or the reverse.
\if :superuser_named
  DO $$ BEGIN RAISE EXCEPTION 'a GridGov role name is that of a superuser: refusing'; END $$;
\endif

SELECT format('CREATE ROLE %I', r) FROM unnest(ARRAY[:'owner', :'app']) AS r
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) \gexec

SELECT format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEROLE NOREPLICATION NOBYPASSRLS%s',
              :'owner', CASE WHEN :'owner_createdb'::boolean THEN ' CREATEDB' ELSE '' END)
\gexec
SELECT format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION '
              'NOBYPASSRLS', :'app') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'owner', :'owner_password')
WHERE :'owner_password' <> '' \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'app', :'app_password')
WHERE :'app_password' <> '' \gexec
-- Memberships would hand on privileges (pg_read_all_data, pg_write_all_data, ...).
SELECT format('REVOKE %I FROM %I', g.rolname, m.rolname)
FROM pg_auth_members a JOIN pg_roles g ON g.oid = a.roleid JOIN pg_roles m ON m.oid = a.member
WHERE m.rolname = :'app' \gexec
