// Protects Compare with Earlier Visit's worklist chooser: saved masks only, keyboard first.
// labels: gui
#include "ui/earlier_visit_chooser.h"

#include <QListWidget>
#include <QPushButton>
#include <QTest>

using namespace dermsam;

namespace {

QList<EarlierVisitChooser::Item> items() {
    return {{QStringLiteral("/w/a.jpg"), QIcon(), false},
            {QStringLiteral("/w/b.jpg"), QIcon(), true},
            {QStringLiteral("/w/c.jpg"), QIcon(), true}};
}

} // namespace

class TestEarlierVisitChooser : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // Opens on the first image that can be compared, with the keyboard focus on the list.
    void startsOnFirstComparableImage() {
        EarlierVisitChooser chooser(items());
        auto* list = chooser.findChild<QListWidget*>(QStringLiteral("earlierVisitList"));
        QVERIFY(list);
        QCOMPARE(list->count(), 3);
        QCOMPARE(list->currentRow(), 1);
        QCOMPARE(chooser.focusWidget(), list);
        QCOMPARE(chooser.chosenPath(), QStringLiteral("/w/b.jpg"));
        QVERIFY(list->item(0)->text().contains(QStringLiteral("no mask saved")));
    }

    // An image without a saved mask cannot be compared: Compare is off and Enter does nothing.
    void imageWithoutMaskIsNotCompared() {
        EarlierVisitChooser chooser(items());
        chooser.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chooser));
        auto* list = chooser.findChild<QListWidget*>(QStringLiteral("earlierVisitList"));
        auto* compare = chooser.findChild<QPushButton*>(QStringLiteral("compareWithItem"));
        QTest::keyClick(list, Qt::Key_Up);
        QCOMPARE(list->currentRow(), 0);
        QVERIFY(!compare->isEnabled());
        QCOMPARE(chooser.chosenPath(), QString());
        QTest::keyClick(list, Qt::Key_Return);
        QVERIFY(chooser.isVisible());
        QTest::keyClick(list, Qt::Key_Down);
        QTest::keyClick(list, Qt::Key_Down);
        QVERIFY(compare->isEnabled());
        QTest::keyClick(list, Qt::Key_Return);
        QVERIFY(!chooser.isVisible());
        QCOMPARE(chooser.result(), int(QDialog::Accepted));
        QCOMPARE(chooser.chosenPath(), QStringLiteral("/w/c.jpg"));
        QVERIFY(!chooser.fileRequested());
    }

    // Choose File... accepts with no path: the caller opens its file dialog.
    void chooseFileAsksForAFile() {
        EarlierVisitChooser chooser(items());
        chooser.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chooser));
        chooser.findChild<QPushButton*>(QStringLiteral("chooseEarlierFile"))->click();
        QCOMPARE(chooser.result(), int(QDialog::Accepted));
        QVERIFY(chooser.fileRequested());
        QCOMPARE(chooser.chosenPath(), QString());
    }

    // Esc cancels.
    void escapeCancels() {
        EarlierVisitChooser chooser(items());
        chooser.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chooser));
        QTest::keyClick(&chooser, Qt::Key_Escape);
        QCOMPARE(chooser.result(), int(QDialog::Rejected));
    }
};

QTEST_MAIN(TestEarlierVisitChooser)
#include "tst_earlier_visit_chooser.moc"
