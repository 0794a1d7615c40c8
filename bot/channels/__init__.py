"""Channel adapters: the only modules that know a platform. Each turns updates into `Incoming`
and renders `Reply`."""
