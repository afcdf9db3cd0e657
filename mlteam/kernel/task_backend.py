"""The django-tasks database queue, with a cheaper enqueue.

Every write request enqueues a task after its commit (the notifications' dispatch of its audit
event), so the enqueue is on the hot path. django-tasks-db saves its ``DBTaskResult`` with
``objects.create()`` and then builds the returned ``TaskResult`` twice (once for the
``task_enqueued`` signal, once for the caller); here the same row is inserted with
``kernel.rows.row_insert`` (the same signals, so the package's own ``pre_save`` still fills
``run_after``) and the result is built once. Everything else — the worker, results, retries —
is the package's.
"""

from django_tasks_db import DatabaseBackend as PackageDatabaseBackend
from django_tasks_db.compat import normalize_json, task_enqueued
from django_tasks_db.models import DBTaskResult

from mlteam.kernel.rows import row_insert


class DatabaseBackend(PackageDatabaseBackend):
    def _task_to_db_task(self, task, args, kwargs) -> DBTaskResult:
        return row_insert(
            DBTaskResult(
                id=self._get_id(),
                args_kwargs=normalize_json({"args": args, "kwargs": kwargs}),
                priority=task.priority,
                task_path=task.module_path,
                queue_name=task.queue_name,
                run_after=task.run_after,
                backend_name=self.alias,
            )
        )

    def enqueue(self, task, args, kwargs):
        self.validate_task(task)
        result = self._task_to_db_task(task, args, kwargs).task_result
        task_enqueued.send(type(self), task_result=result)
        return result
