#pragma once

// QCustomPlot's header uses the plain signals/slots/emit/foreach keywords that QT_NO_KEYWORDS
// (needed beside Torch) removes: map them for the include only and undo the mapping after.
#define signals Q_SIGNALS
#define slots Q_SLOTS
#define emit Q_EMIT
#define foreach Q_FOREACH
#include <qcustomplot.h>
#undef signals
#undef slots
#undef emit
#undef foreach
