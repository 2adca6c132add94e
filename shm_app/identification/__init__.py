"""Modal identification of one recording: settings (:mod:`.settings`), the method registry (:mod:`.registry`, one
module per method in :mod:`.methods`), the pipeline (:mod:`.pipeline`) and the identify JSON (:mod:`.document`)."""
from shm_app.identification.document import result_to_json
from shm_app.identification.pipeline import IdentificationResult, identify
from shm_app.identification.registry import get_method, method_names, time_domain_methods
from shm_app.identification.settings import IdentificationSettings, ResolvedSettings, resolve

__all__ = ["IdentificationSettings", "ResolvedSettings", "IdentificationResult", "identify", "resolve",
           "result_to_json", "get_method", "method_names", "time_domain_methods"]
