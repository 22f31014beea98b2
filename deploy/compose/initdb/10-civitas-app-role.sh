#!/bin/sh
# Run once by the PostgreSQL image, at the first start of an empty pgdata
# volume (compose mounts this folder at /docker-entrypoint-initdb.d), as the
# owner role POSTGRES_USER: creates civitas_app, the login role the
# assistant, the worker and ingest connect as. It gets no rights on tables
# here: the migrate service grants exactly what the servers need
# (`assistant migrate --grant-app-role civitas_app`) after every migration.
#
# An existing pgdata volume never runs this again: create the role by hand
# (README, "Production: two database roles").
set -e
if [ -z "$POSTGRES_APP_PASSWORD" ]; then
	echo "set POSTGRES_APP_PASSWORD in .env (the password of civitas_app)" >&2
	exit 1
fi
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
	-v app_password="$POSTGRES_APP_PASSWORD" -v db="$POSTGRES_DB" <<'SQL'
CREATE ROLE civitas_app LOGIN PASSWORD :'app_password';
GRANT CONNECT ON DATABASE :"db" TO civitas_app;
SQL
