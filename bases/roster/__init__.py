"""The resident-enterprise roster (入驻企业名册, SPEC section 10): a base's own records of its
resident enterprises and their yearly figures. Lives in `bases` because it is the base's
data; the annual report's pre-fill (reporting) reads it, never the other way round."""
