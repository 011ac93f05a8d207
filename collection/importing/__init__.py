"""Bulk import of base data from department files, in parts:

- ``files``: reading CSV (UTF-8 / GBK) and XLSX into text cells, header checks;
- ``checks``: vectorised checks of whole columns, each giving values and a reason per cell;
- ``specs``: what each dataset's file holds (people, houses, organisations) and how its
  rows are keyed, staged and merged;
- ``staging``: the job's staging table (COPY) and the one statement that merges it and
  writes the trail (audit rows, change feed, verification tasks);
- ``sheets``: the spreadsheets handed back: a job's error report, a dataset's template.

The job's life cycle (states, queueing its Celery tasks) is in collection/imports.py.
"""
