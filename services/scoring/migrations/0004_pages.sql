-- Lists page in creation order on the keyset (create_time, id) (hf/store.h):
-- a walk sees every record that existed when it began exactly once, however
-- many are added meanwhile. A model's creation is its first version's.
CREATE INDEX competency_models_created ON scoring.competency_models (tenant_id, create_time, id)
    WHERE version = 1;
CREATE INDEX questions_created ON scoring.questions (tenant_id, create_time, id);
