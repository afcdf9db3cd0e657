"""The model name rule, written once: the service, the API, the admin form and the pages all ask
``model_name_refusal``, so a bad name gets ``invalid_name`` and the same message everywhere,
whatever its fault (upper case, a space, an underscore, too long). Never silently rewritten:
a name is part of URLs and pipelines' configuration, so the server keeps what it was sent or
refuses it.
"""

from mlteam.kernel import limits
from mlteam.kernel.errors import InvalidInput

MODEL_NAME_MAX = limits.NAME


def model_name_refusal(name) -> InvalidInput | None:
    """The refusal of ``name`` as a model name, or None when it is one."""
    return limits.slug_refusal(name, what="a model name", code="invalid_name", limit=MODEL_NAME_MAX)


def require_model_name(name) -> str:
    refusal = model_name_refusal(name)
    if refusal is not None:
        raise refusal
    return name
